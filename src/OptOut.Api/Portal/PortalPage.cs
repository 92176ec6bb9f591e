using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using OptOut.Api.Access;
using OptOut.Workflow.Access;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api.Portal;

/// <summary>
/// The portal's page shell: a skip link, a header saying who is signed in with the portal's navigation, one main
/// landmark. No inline script or style (the stylesheet and script are <see cref="PortalAssets"/>), so the pages can
/// send a strict Content-Security-Policy (<see cref="SecureHeaders"/>). Every value is HTML-encoded.
/// </summary>
public static class PortalPage
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

    /// <summary>Which navigation link is the current page.</summary>
    public enum Section
    {
        None,
        Cases,
        Open,
    }

    /// <summary>A portal page for a signed-in person.</summary>
    public static IResult Result(HttpContext context, int status, Caller? person, AuthOptions auth, string title, string mainHtml, Section current = Section.None)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(auth);
        SecureHeaders(context.Response);
        return Results.Content(Render(person, auth, title, mainHtml, current), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>The redirect to sign in, coming back to the page asked for (path and query).</summary>
    public static IResult SignIn(HttpContext context, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(auth);
        SecureHeaders(context.Response);
        var request = context.Request;
        return Results.Redirect(auth.SignInFor($"{request.PathBase}{request.Path}{request.QueryString}"));
    }

    /// <summary>The headers every portal response carries: no caching, no referrer, no framing, nothing but this origin's script and style.</summary>
    public static void SecureHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
    }

    public static string Render(Caller? person, AuthOptions auth, string title, string mainHtml, Section current = Section.None)
    {
        ArgumentNullException.ThrowIfNull(auth);
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <title>{{E(title)}} — Opt-Out case portal</title>
            <link rel="stylesheet" href="{{PortalAssets.StylesheetPath}}">
            <script src="{{PortalAssets.ScriptPath}}" defer></script>
            </head>
            <body>
            <a class="skip-link" href="#main">Skip to main content</a>
            <header class="site-header">
            <p class="brand"><a href="/{{Routes.Portal}}">Opt-Out case portal</a></p>
            {{Who(person)}}
            {{Navigation(person, auth, current)}}
            </header>
            <main id="main" tabindex="-1">
            <h1>{{E(title)}}</h1>
            {{mainHtml}}
            </main>
            <footer class="site-footer"><p>OWDC procedure 5212PRO "Opt-Out Participant". The client's SSN is only ever shown as its last four digits.</p></footer>
            </body>
            </html>
            """;
    }

    /// <summary>A date and time in UTC, in a &lt;time&gt; element.</summary>
    public static string Time(DateTime? at) => at is not { } t
        ? ""
        : $"<time datetime=\"{E(DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture))}\">{E(t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC</time>";

    /// <summary>The person's roles and offices as the header shows them.</summary>
    public static string Describe(Caller person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var roles = person.Roles.Count == 0 ? "no role" : string.Join(", ", AppRoles.All.Where(person.Roles.Contains).Select(RoleName));
        var offices = person.IsAdministrator ? "every office" : person.Offices.Count == 0 ? "no office" : string.Join(", ", person.Offices.Order(StringComparer.Ordinal));
        return $"{roles} · {offices}";
    }

    private static string RoleName(string role) => role switch
    {
        AppRoles.CaseManager => "Case manager",
        AppRoles.Supervisor => "Supervisor",
        AppRoles.Administrator => "Administrator",
        _ => role,
    };

    private static string Who(Caller? person) => person is null
        ? ""
        : $"<p class=\"who\">Signed in as <strong>{E(person.Name)}</strong> <span class=\"who-detail\">({E(Describe(person))})</span></p>";

    private static string Navigation(Caller? person, AuthOptions auth, Section current)
    {
        string Link(string href, string text, Section section) =>
            $"<li><a href=\"{E(href)}\"{(section != Section.None && section == current ? " aria-current=\"page\"" : "")}>{E(text)}</a></li>";

        var links = person is { HasRole: true }
            ? Link("/" + Routes.Portal, "My cases", Section.Cases) + Link("/" + Routes.PortalOpen, "Open a case", Section.Open)
            : "";
        return $"<nav class=\"site-nav\" aria-label=\"Portal\"><ul>{links}{(person is null ? "" : Link(auth.SignOutUrl, "Sign out", Section.None))}</ul></nav>";
    }
}
