using System.Text;
using System.Text.Json;

namespace OptOut.Testing;

/// <summary>
/// Makes a test client an operator, as a real deployment has two kinds of caller: it opens cases
/// (<c>POST /api/cases</c>) with the integration key, like an intake form, and does everything else (read, list, withdraw)
/// as a signed-in administrator, the principal header the local host's dev sign-in sends (docs/access.md). Other routes
/// (decision links, opened by a mail client; health) and a request that already names its caller are left as they are.
/// </summary>
public sealed class OperatorHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>The principal of the administrator the tests act as.</summary>
    public static string Administrator { get; } = Person("ops", "Olive Operator", "olive.operator@example.org", "Administrator");

    /// <summary>A principal header value as App Service Authentication (and the local host's dev sign-in) sends it.</summary>
    /// (Written out here, not with OptOut.Api's ClientPrincipal: the durability tests run the local host as a process and
    /// do not load its assemblies.)
    public static string Person(string id, string name, string email, string role, params string[] offices) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            claims = new[]
            {
                new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = id },
                new { typ = "name", val = name },
                new { typ = "preferred_username", val = email },
                new { typ = "roles", val = role },
            }.Concat(offices.Select(o => new { typ = "office", val = o })),
            name_typ = "name",
            role_typ = "roles",
        })));

    /// <summary>The header App Service Authentication puts the principal in.</summary>
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.RequestUri?.AbsolutePath.TrimEnd('/') ?? "";
        var caseRoute = path.StartsWith("/api/cases", StringComparison.Ordinal);
        var opening = request.Method == HttpMethod.Post && path == "/api/cases";
        if (caseRoute && !opening && !request.Headers.Contains(Header))
        {
            request.Headers.Add(Header, Administrator);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
