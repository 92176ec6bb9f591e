using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Workflow.Access;
using static OptOut.Api.HtmlPage;

namespace OptOut.LocalHost;

/// <summary>A seeded person of the dev sign-in ("LocalHost:DevPeople"): who you can be on the local host.</summary>
public sealed class DevPerson
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";

    /// <summary>App roles, comma-separated (CaseManager, Supervisor, Administrator).</summary>
    public string Roles { get; set; } = "";

    /// <summary>Office codes, comma-separated (a supervisor's offices also follow from Offices:&lt;code&gt;:SupervisorEmail).</summary>
    public string Offices { get; set; } = "";

    public IEnumerable<string> RoleList => Split(Roles);

    public IEnumerable<string> OfficeList => Split(Offices);

    /// <summary>The principal Easy Auth would pass for this person, as the header's value.</summary>
    public string Principal() => new ClientPrincipal(
        "aad",
        [
            new("http://schemas.microsoft.com/identity/claims/objectidentifier", "dev-" + Id),
            new("name", Name),
            new("preferred_username", Email),
            .. RoleList.Select(r => new PrincipalClaim("roles", r)),
            .. OfficeList.Select(o => new PrincipalClaim("office", o)),
        ],
        "name",
        "roles").Encode();

    private static string[] Split(string value) => value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The local host's stand-in for App Service Authentication (<c>LocalHost:DevSignIn</c>, on by default here; the Functions
/// app has no such thing). Pick a seeded person at <c>/dev/signin</c>; a cookie then makes every request carry the same
/// <c>X-MS-CLIENT-PRINCIPAL</c> header Easy Auth sends, and the app reads it exactly as in Azure. With the setting off,
/// the header is removed from every request (no platform vouches for it) and the app ignores it (Auth:Mode None).
/// </summary>
internal static class DevSignIn
{
    public const string Cookie = "OptOutDevPrincipal";

    /// <summary>Auth settings for the local host: the dev sign-in plays the platform, or nobody does.</summary>
    public static void ConfigureAuth(this IServiceCollection services, IConfiguration config)
    {
        var on = IsOn(config);
        services.PostConfigure<AuthOptions>(auth =>
        {
            auth.Mode = on ? "EasyAuth" : "None";
            auth.SignInUrl = "/dev/signin?returnUrl={0}";
            auth.SignOutUrl = "/dev/signout";
        });
    }

    /// <summary>Puts the signed-in person's header on the request (or strips any copy when dev sign-in is off), before routing.</summary>
    public static void UseDevSignIn(this WebApplication app)
    {
        var on = IsOn(app.Configuration);
        app.Use(async (context, next) =>
        {
            var headers = context.Request.Headers;
            if (!on)
            {
                headers.Remove(ClientPrincipal.Header);
            }
            else if (!headers.ContainsKey(ClientPrincipal.Header) && context.Request.Cookies[Cookie] is { Length: > 0 } principal)
            {
                headers[ClientPrincipal.Header] = principal;
            }

            await next(context);
        });
    }

    public static void MapDevSignIn(this WebApplication app)
    {
        if (!IsOn(app.Configuration))
        {
            return;
        }

        app.MapGet("/dev/signin", (HttpRequest request, IConfiguration config, CallerResolver access) =>
        {
            var back = LocalPath(request.Query["returnUrl"].ToString());
            var now = access.SignedIn(request);
            var current = now is null ? "<p>You are not signed in.</p>" : $"<p role=\"status\">Signed in as <strong>{E(now.Name)}</strong> ({E(now.Email)}). <a href=\"/dev/signout\">Sign out</a></p>";
            var people = string.Concat(People(config).Select(p => $"""
                <li><form method="post" action="/dev/signin">
                  <input type="hidden" name="person" value="{E(p.Id)}"><input type="hidden" name="returnUrl" value="{E(back)}">
                  <button type="submit">Sign in as {E(p.Name)}</button> {E(string.Join(", ", p.RoleList))}{(p.OfficeList.Any() ? " · " + E(string.Join(", ", p.OfficeList)) : "")} · {E(p.Email)}
                </form></li>
                """));
            return Result(200, "Sign in (local)", $"""
                <p>On Azure, staff sign in with the agency's Microsoft Entra ID. Here, pick a seeded person: the app then sees the
                same principal header App Service Authentication would send.</p>
                {current}
                <ul class="people">{people}</ul>
                """);
        });

        app.MapPost("/dev/signin", async (HttpRequest request, HttpResponse response, IConfiguration config, CancellationToken ct) =>
        {
            var form = request.HasFormContentType ? await request.ReadFormAsync(ct) : null;
            var person = People(config).FirstOrDefault(p => p.Id == form?["person"].ToString());
            if (person is null)
            {
                return Result(400, "Sign in (local)", "<p class=\"note err\" role=\"alert\">Choose one of the seeded people.</p><p><a href=\"/dev/signin\">Back</a></p>");
            }

            response.Cookies.Append(Cookie, person.Principal(), new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/", IsEssential = true });
            return Results.Redirect(LocalPath(form!["returnUrl"].ToString()));
        }).DisableAntiforgery(); // SameSite=Lax: another site cannot post this with the cookie; signing in as a seeded person is the page's purpose

        app.MapMethods("/dev/signout", ["GET", "POST"], (HttpResponse response) =>
        {
            response.Cookies.Delete(Cookie, new CookieOptions { Path = "/" });
            return Results.Redirect("/dev/signin");
        }).DisableAntiforgery();
    }

    /// <summary><see cref="LocalHostOptions.DevSignIn"/>, read before the container exists (it decides what is registered and mapped).</summary>
    private static bool IsOn(IConfiguration config) =>
        (config.GetSection(LocalHostOptions.Section).Get<LocalHostOptions>() ?? new LocalHostOptions()).DevSignIn;

    public static IReadOnlyList<DevPerson> People(IConfiguration config) =>
        config.GetSection("LocalHost:DevPeople").Get<List<DevPerson>>()?.Where(p => p.Id.Length > 0).ToList() ?? [];

    /// <summary>Only a path on this host (no open redirect); the portal otherwise.</summary>
    private static string LocalPath(string? path) =>
        !string.IsNullOrEmpty(path) && path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal) ? path : "/portal";
}
