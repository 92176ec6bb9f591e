using OptOut.Api;
using OptOut.Api.Access;

namespace OptOut.Testing;

/// <summary>
/// Makes a test client an operator, as a real deployment has two kinds of caller: it opens cases
/// (<c>POST /api/cases</c>) with the integration key, like an intake form, and does everything else (read, list, withdraw)
/// as a signed-in administrator, the principal header the local host's dev sign-in sends (docs/access.md). A request
/// that already names its caller (a principal header) is left as it is.
/// </summary>
public sealed class OperatorHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>The principal of the administrator the tests act as.</summary>
    public static string Administrator { get; } = Person("ops", "Olive Operator", "olive.operator@example.org", "Administrator");

    /// <summary>A principal header value as App Service Authentication (and the local host's dev sign-in) sends it.</summary>
    public static string Person(string id, string name, string email, string role, params string[] offices) =>
        new ClientPrincipal(
            "aad",
            [
                new("http://schemas.microsoft.com/identity/claims/objectidentifier", id),
                new("name", name),
                new("preferred_username", email),
                new("roles", role),
                .. offices.Select(o => new PrincipalClaim("office", o)),
            ],
            "name",
            "roles").Encode();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var opening = request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.TrimEnd('/') == "/" + Routes.Cases;
        if (!opening && !request.Headers.Contains(ClientPrincipal.Header))
        {
            request.Headers.Add(ClientPrincipal.Header, Administrator);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
