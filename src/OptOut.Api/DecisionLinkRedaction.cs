using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace OptOut.Api;

/// <summary>
/// A decision link's token is a bearer credential in the URL path (<c>/api/decisions/{token}</c>), so no log line, trace
/// or metric may record that path as requested. Both hosts: <see cref="HideRequestPathLogs"/> turns off the log
/// categories that write raw request paths (ASP.NET Core's "Request starting/finished ... /api/decisions/&lt;token&gt;"
/// lines, the RequestPath log scope every log line of a request carries, the route matcher's Debug lines); the decision endpoints rewrite the request's activity with
/// <see cref="RedactActivity(Activity?)"/>; the Functions app also runs every exported span through it (an OpenTelemetry
/// processor). What remains is the route template, <see cref="RedactedPath"/>.
/// </summary>
public static partial class DecisionLinkRedaction
{
    /// <summary>What a decision link's path is recorded as.</summary>
    public const string RedactedPath = "/" + Routes.Prefix + "/decisions/{token}";

    /// <summary>
    /// The log categories that write a request's raw path: ASP.NET Core's hosting diagnostics (request start/finish
    /// lines and the RequestPath scope every log line of a request carries) and the route matcher (its Debug lines
    /// "candidate(s) found for the request path"). Found by logging every category at Debug through GET, HEAD and POST
    /// of a link (tests/OptOut.EndToEnd.Tests/DecisionLinkTelemetryTests).
    /// </summary>
    public static IReadOnlyList<string> PathLoggingCategories { get; } =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.Matching",
    ];

    /// <summary><paramref name="value"/> with every decision token after <c>/api/decisions/</c> replaced by <c>{token}</c>.</summary>
    public static string Redact(string value) => value is null ? "" : TokenInPath().Replace(value, RedactedPath);

    /// <summary>True when <paramref name="value"/> holds a decision link's token.</summary>
    public static bool HasToken(string? value) => value is not null && TokenInPath().IsMatch(value);

    /// <summary>
    /// Rewrites every string tag (url.path, url.full, http.target, http.url, ...) and the display name of the activity
    /// that holds a decision token, and records the route template as http.route.
    /// </summary>
    public static void RedactActivity(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        List<KeyValuePair<string, string>>? changes = null;
        foreach (var tag in activity.TagObjects)
        {
            if (tag.Value is string s && HasToken(s))
            {
                (changes ??= []).Add(new(tag.Key, Redact(s)));
            }
        }

        if (changes is not null)
        {
            foreach (var (key, value) in changes)
            {
                activity.SetTag(key, value);
            }

            activity.SetTag("http.route", RedactedPath[1..]);
        }

        if (HasToken(activity.DisplayName))
        {
            activity.DisplayName = Redact(activity.DisplayName);
        }
    }

    /// <summary>The activities of a decision request: ASP.NET Core's request activity and the current one (a function invocation's).</summary>
    public static void RedactActivity(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var request = httpContext.Features.Get<IHttpActivityFeature>()?.Activity;
        RedactActivity(request);
        if (!ReferenceEquals(request, Activity.Current))
        {
            RedactActivity(Activity.Current);
        }
    }

    /// <summary>
    /// Turns off the <see cref="PathLoggingCategories"/>: they log a request's full path (the hosting lines before any
    /// endpoint runs), and the hosting category opens the RequestPath scope only when it is enabled. Added after the
    /// configuration's rules, so it wins over a level configured for the same category (Logging:LogLevel).
    /// </summary>
    public static ILoggingBuilder HideRequestPathLogs(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        foreach (var category in PathLoggingCategories)
        {
            logging.AddFilter(category, LogLevel.None);
        }

        return logging;
    }

    [GeneratedRegex(@"/" + Routes.Prefix + @"/decisions/(?!\{token\})[^/?#\s""'<>]+", RegexOptions.IgnoreCase)]
    private static partial Regex TokenInPath();
}
