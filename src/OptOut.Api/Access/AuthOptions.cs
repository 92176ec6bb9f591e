namespace OptOut.Api.Access;

/// <summary>The "Auth" settings: how people are signed in (docs/access.md; infra sets them with Easy Auth).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// <c>EasyAuth</c>: App Service Authentication is in front of the app, which then trusts <c>X-MS-CLIENT-PRINCIPAL</c>
    /// (the platform strips copies callers send). <c>None</c> (default): the header is ignored; only integration keys
    /// and decision links work. The local host's dev sign-in sets EasyAuth for itself.
    /// </summary>
    public string Mode { get; set; } = "None";

    /// <summary>The claim type of app roles (CaseManager, Supervisor, Administrator).</summary>
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>The claim type carrying office codes (e.g. <c>extn.office</c>); empty: <c>office</c>.</summary>
    public string? OfficeClaimType { get; set; }

    /// <summary>The claim type of group object ids, mapped to offices by <c>Offices:&lt;code&gt;:EntraGroupId</c>.</summary>
    public string GroupClaimType { get; set; } = "groups";

    /// <summary>
    /// The Entra ID tenant (directory) id people sign in with; only the OpenAPI document uses it, for the OpenID Connect
    /// metadata address of its <c>entraId</c> scheme. Empty: the common endpoint.
    /// </summary>
    public string? TenantId { get; set; }

    /// <summary>When true, the decision page asks a supervisor to sign in first (the link alone no longer decides).</summary>
    public bool DecisionsRequireSignIn { get; set; }

    /// <summary>Where a person signs in; <c>{0}</c> is the escaped address to come back to. Easy Auth's by default.</summary>
    public string SignInUrl { get; set; } = "/.auth/login/aad?post_login_redirect_uri={0}";

    /// <summary>Where a person signs out.</summary>
    public string SignOutUrl { get; set; } = "/.auth/logout?post_logout_redirect_uri=/portal";

    public bool TrustsPlatformPrincipal => string.Equals(Mode, "EasyAuth", StringComparison.OrdinalIgnoreCase);

    public string OfficeClaim => string.IsNullOrWhiteSpace(OfficeClaimType) ? "office" : OfficeClaimType;

    public string SignInFor(string returnPath) => string.Format(System.Globalization.CultureInfo.InvariantCulture, SignInUrl, Uri.EscapeDataString(returnPath));
}

/// <summary>
/// One integration ("Integrations:&lt;name&gt;"): a system that opens cases (an intake form, a producer's HTTP twin). Its key
/// is sent in <c>x-functions-key</c> (or <c>?code=</c>) like a Functions key; the app keeps only its SHA-256.
/// </summary>
public sealed class IntegrationOptions
{
    public const string Section = "Integrations";

    /// <summary>Hex SHA-256 of the key (<c>printf %s "$KEY" | sha256sum</c>). The key itself stays with the integration.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>Office codes it may open cases for, comma-separated; <c>*</c> for every office.</summary>
    public string Offices { get; set; } = "";

    public IEnumerable<string>? OfficeList => Offices.Trim() == "*"
        ? null
        : Offices.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
