using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Access;
using OptOut.Workflow.Offices;

namespace OptOut.Api.Access;

/// <summary>The caller of a case route, or the problem to answer instead (401 no credential, 403 signed in without a role).</summary>
public sealed record CallerResolution(Caller? Caller, ProblemHttpResult? Problem);

/// <summary>
/// Who is calling (docs/access.md): a person signed in by App Service Authentication (<c>X-MS-CLIENT-PRINCIPAL</c>, read
/// only when <see cref="AuthOptions.Mode"/> is EasyAuth), else an integration by its key (<c>x-functions-key</c> or
/// <c>?code=</c>, checked against the SHA-256s in <c>Integrations:&lt;name&gt;:KeySha256</c> in constant time).
/// <para>
/// The integration keys are the app's, not the Functions host's: the isolated worker is not told which host key matched,
/// so a host key could not be mapped to its offices. The case routes are therefore anonymous to the host and checked here.
/// </para>
/// </summary>
public sealed class CallerResolver(IOptionsMonitor<AuthOptions> auth, IOptionsMonitor<Dictionary<string, IntegrationOptions>> integrations, OfficeDirectory offices)
{
    /// <summary>Claim types that carry the user's stable id, display name and email (Entra ID tokens as Easy Auth passes them).</summary>
    private static readonly string[] IdClaims = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid", "sub"];
    private static readonly string[] NameClaims = ["name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"];
    private static readonly string[] EmailClaims =
    [
        "preferred_username", "email", "emails", "upn",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    ];

    /// <summary>The caller of a case route: a signed-in person with a role, or an integration key.</summary>
    public CallerResolution Resolve(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = auth.CurrentValue;
        if (options.TrustsPlatformPrincipal && request.Headers.ContainsKey(ClientPrincipal.Header))
        {
            var person = Person(request, options, out var problem);
            if (person is null)
            {
                return new(null, Problems.Status(StatusCodes.Status401Unauthorized, "Sign-in not understood.", $"{problem} Sign in again."));
            }

            if (!person.HasRole)
            {
                return new(null, Problems.Status(StatusCodes.Status403Forbidden, "No role in this app.", "You are signed in, but your account has none of the app's roles (CaseManager, Supervisor, Administrator). Ask the agency's administrator to assign one."));
            }

            // A signed-in browser sends its session cookie with every request: a change asked for by another site is refused.
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && IsCrossSite(request))
            {
                return new(null, Problems.Status(StatusCodes.Status403Forbidden, "Cross-site request refused.", "Changes can only be made from this app's own pages."));
            }

            return new(person, null);
        }

        var key = FunctionKey.From(request);
        if (!string.IsNullOrEmpty(key) && Integration(key) is { } integration)
        {
            return new(integration, null);
        }

        return new(null, string.IsNullOrEmpty(key) ? Problems.Unauthorized() : Problems.Status(StatusCodes.Status401Unauthorized, "The key is not valid.", "The x-functions-key is not one of this app's integration keys."));
    }

    /// <summary>The signed-in person, when the platform signed one in (null when not signed in, not trusted, or malformed).</summary>
    public Caller? SignedIn(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = auth.CurrentValue;
        return options.TrustsPlatformPrincipal && request.Headers.ContainsKey(ClientPrincipal.Header) ? Person(request, options, out _) : null;
    }

    /// <summary>The person in the request's principal header, or null with the reason.</summary>
    internal Caller? Person(HttpRequest request, AuthOptions options, out string? problem)
    {
        var principal = ClientPrincipal.Parse(request.Headers[ClientPrincipal.Header].ToString(), out problem);
        if (principal is null)
        {
            return null;
        }

        var email = principal.First(EmailClaims);
        var id = principal.First(IdClaims) ?? email;
        if (id is null)
        {
            problem = "The sign-in has no user id or email claim.";
            return null;
        }

        var name = principal.First(principal.NameType is { Length: > 0 } nameType ? [.. NameClaims, nameType] : NameClaims) ?? email ?? id;
        var roles = principal.Values(options.RoleClaimType).Where(r => AppRoles.All.Contains(r)).ToList();
        var officeCodes = principal.Values(options.OfficeClaim)
            .SelectMany(v => v.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Concat(offices.ForGroups(principal.Values(options.GroupClaimType)));
        if (roles.Contains(AppRoles.Supervisor))
        {
            officeCodes = officeCodes.Concat(offices.SupervisedBy(email));
        }

        return Caller.Person(id, name, email, roles, officeCodes);
    }

    private Caller? Integration(string key)
    {
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        Caller? match = null;
        foreach (var (name, options) in integrations.CurrentValue)
        {
            // Every entry is compared (constant time each), so the time taken says nothing about which one matched.
            if (TryHex(options.KeySha256, out var expected) && CryptographicOperations.FixedTimeEquals(given, expected))
            {
                match ??= Caller.Integration(name, options.OfficeList);
            }
        }

        return match;
    }

    private static bool TryHex(string? hex, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(hex) || hex.Trim().Length != 64)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex.Trim());
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Fetch metadata (every current browser sends it): a request another site started. Requests without it (curl, old browsers) pass.</summary>
    private static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length > 0 && site is not ("same-origin" or "none");
    }

    /// <summary>The hex SHA-256 of a key, as <see cref="IntegrationOptions.KeySha256"/> holds it.</summary>
    public static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
