namespace OptOut.Api;

/// <summary>
/// The HTTP contract's routes: the one table the Functions app's triggers, the local host's endpoint mapping and the
/// tests (functions.metadata, the local host's endpoints) all read. Routes are relative to <see cref="Prefix"/>.
/// </summary>
public static class Routes
{
    /// <summary>The HTTP route prefix (host.json <c>extensions.http.routePrefix</c>); the local host serves the same.</summary>
    public const string Prefix = "api";

    public const string Cases = "cases";
    public const string Case = "cases/{caseId}";
    public const string WithdrawCase = "cases/{caseId}/withdraw";
    public const string Decision = "decisions/{token}";
    public const string Health = "health";

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
    }

    /// <summary>Every route of the contract: name, methods, route, and whether the function key is required.</summary>
    public static IReadOnlyList<Endpoint> All { get; } =
    [
        new(Names.CreateCase, ["POST"], Cases, RequiresKey: true),
        new(Names.ListCases, ["GET"], Cases, RequiresKey: true),
        new(Names.GetCase, ["GET"], Case, RequiresKey: true),
        new(Names.WithdrawCase, ["POST"], WithdrawCase, RequiresKey: true),
        new(Names.ShowDecision, ["GET", "HEAD"], Decision, RequiresKey: false),
        new(Names.RecordDecision, ["POST"], Decision, RequiresKey: false),
        new(Names.Health, ["GET"], Health, RequiresKey: false),
    ];

    /// <summary>The Location of a case (202 and 200 answers of POST /api/cases).</summary>
    public static string CaseLocation(string caseId) => $"/{Prefix}/{Cases}/{Uri.EscapeDataString(caseId)}";

    /// <summary>One route of the contract. <see cref="Path"/> is the full path, e.g. <c>/api/cases/{caseId}</c>.</summary>
    public sealed record Endpoint(string Name, string[] Methods, string Route, bool RequiresKey)
    {
        public string Path => $"/{Prefix}/{Route}";
    }
}
