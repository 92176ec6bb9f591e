namespace OptOut.Api;

/// <summary>
/// The HTTP contract's routes: the one table the Functions app's triggers, the local host's endpoint mapping and the
/// tests (functions.metadata, the local host's endpoints) all read. Routes are full paths without the leading slash:
/// host.json's <c>extensions.http.routePrefix</c> is empty, so that the Functions app serves the portal's pages next
/// to the API, as the local host does.
/// </summary>
public static class Routes
{
    /// <summary>The first segment of every API route.</summary>
    public const string Prefix = "api";

    public const string Cases = Prefix + "/cases";
    public const string Case = Prefix + "/cases/{caseId}";
    public const string WithdrawCase = Prefix + "/cases/{caseId}/withdraw";
    public const string Decision = Prefix + "/decisions/{token}";
    public const string Health = Prefix + "/health";
    public const string OpenApi = Prefix + "/openapi.json";

    /// <summary>The first segment of the case-manager portal's pages (docs/portal.md).</summary>
    public const string PortalPrefix = "portal";

    public const string Portal = PortalPrefix;
    public const string PortalOpen = PortalPrefix + "/open";
    public const string PortalCase = PortalPrefix + "/cases/{caseId}";
    public const string PortalAsset = PortalPrefix + "/assets/{name}";

    /// <summary>Function names: the Functions app's [Function] names, the local host's endpoint names.</summary>
    public static class Names
    {
        public const string CreateCase = "CreateCase";
        public const string GetCase = "GetCase";
        public const string ListCases = "ListCases";
        public const string WithdrawCase = "WithdrawCase";
        public const string ShowDecision = "ShowDecision";
        public const string RecordDecision = "RecordDecision";
        public const string Health = "Health";
        public const string OpenApi = "OpenApi";
        public const string PortalHome = "PortalHome";
        public const string PortalOpen = "PortalOpen";
        public const string PortalCase = "PortalCase";
        public const string PortalAsset = "PortalAsset";
    }

    /// <summary>
    /// Every route of the contract: name, methods, route, and whether the app resolves a caller (a signed-in person or an
    /// integration key, <c>OptOut.Api.Access.CallerResolver</c>). Every route is anonymous to the Functions host: the
    /// host cannot tell which key matched, so the app checks keys itself (docs/access.md).
    /// </summary>
    public static IReadOnlyList<Endpoint> All { get; } =
    [
        new(Names.CreateCase, ["POST"], Cases, RequiresCaller: true),
        new(Names.ListCases, ["GET"], Cases, RequiresCaller: true),
        new(Names.GetCase, ["GET"], Case, RequiresCaller: true),
        new(Names.WithdrawCase, ["POST"], WithdrawCase, RequiresCaller: true),
        new(Names.ShowDecision, ["GET", "HEAD"], Decision, RequiresCaller: false),
        new(Names.RecordDecision, ["POST"], Decision, RequiresCaller: false),
        new(Names.Health, ["GET"], Health, RequiresCaller: false),
        new(Names.OpenApi, ["GET"], OpenApi, RequiresCaller: false),
    ];

    /// <summary>
    /// The case-manager portal's pages (HTML, not the API contract): every page needs a signed-in person
    /// (<c>RequiresCaller</c>), its stylesheet and script do not. Both hosts serve them (docs/portal.md).
    /// </summary>
    public static IReadOnlyList<Endpoint> Pages { get; } =
    [
        new(Names.PortalHome, ["GET"], Portal, RequiresCaller: true),
        new(Names.PortalOpen, ["GET"], PortalOpen, RequiresCaller: true),
        new(Names.PortalCase, ["GET"], PortalCase, RequiresCaller: true),
        new(Names.PortalAsset, ["GET"], PortalAsset, RequiresCaller: false),
    ];

    /// <summary>The portal page of a case.</summary>
    public static string PortalCasePath(string caseId) => $"/{PortalPrefix}/cases/{Uri.EscapeDataString(caseId)}";

    /// <summary>The Location of a case (202 and 200 answers of POST /api/cases).</summary>
    public static string CaseLocation(string caseId) => $"/{Cases}/{Uri.EscapeDataString(caseId)}";

    /// <summary>One route of the contract. <see cref="Path"/> is the full path, e.g. <c>/api/cases/{caseId}</c>.</summary>
    public sealed record Endpoint(string Name, string[] Methods, string Route, bool RequiresCaller)
    {
        public string Path => $"/{Route}";
    }
}
