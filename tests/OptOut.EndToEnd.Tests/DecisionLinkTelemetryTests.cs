using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OptOut.Testing;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// A decision link's token is a credential in the URL path: after GET, HEAD and POST of a link, with every log category
/// of the local host at Debug (as a developer chasing a problem sets it) and a listener on ASP.NET Core's request
/// activities (as OpenTelemetry would be), no captured log line, log scope, activity tag or activity name holds it.
/// </summary>
public sealed class DecisionLinkTelemetryTests
{
    [Fact]
    public async Task A_decision_link_leaves_no_token_in_logs_scopes_or_activities()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        // What OpenTelemetry's ASP.NET Core instrumentation does: on the request's start event, tag the activity with the
        // path as requested (url.path, http.target) and name it after it.
        using var instrumentation = DiagnosticListener.AllListeners.Subscribe(new UrlTaggingInstrumentation());

        await using var host = await LocalHostServer.StartAsync(s =>
        {
            s["Logging:LogLevel:Default"] = "Debug";
            s["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug";
            s["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Debug";
        });
        var caseId = await host.OpenCaseAsync("S-1006", "telemetry-link-1");
        var link = await host.DecisionLinkFromMailboxAsync(caseId);
        var token = link[(link.LastIndexOf('/') + 1)..];
        Assert.True(token.Length > 40, token);

        using (var get = await host.Anonymous.GetAsync(link))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        using (var head = await host.Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, link)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var post = await host.Anonymous.PostAsync(link, new FormUrlEncodedContent([KeyValuePair.Create("decision", "remain-opted-out")])))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        await host.WaitForCaseAsync(caseId, c => LocalHostServer.Stage(c) == "Closed");

        // The requests were seen (so the checks below look at something), and none of it holds the token.
        var requests = activities.Where(a => a.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn" && a.GetTagItem("url.path") is string path && path.StartsWith("/api/decisions/", StringComparison.Ordinal)).ToList();
        Assert.True(requests.Count >= 3, $"{requests.Count} decision request activities");
        Assert.All(requests, r => Assert.Equal("/api/decisions/{token}", r.GetTagItem("url.path")));
        Assert.Contains(host.Logs.Lines, l => l.Contains("/api/decisions/{token}", StringComparison.Ordinal)); // the route template is logged
        var leaked = host.Logs.Lines.Where(l => l.Contains(token, StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, string.Join("\n", leaked.Take(5)));
        foreach (var a in activities)
        {
            Assert.DoesNotContain(token, a.DisplayName, StringComparison.Ordinal);
            Assert.False(a.TagObjects.Any(t => t.Value?.ToString()?.Contains(token, StringComparison.Ordinal) == true), $"{a.OperationName} {a.DisplayName}: {string.Join(", ", a.TagObjects.Select(t => $"{t.Key}={t.Value}"))}");
        }
    }

    private sealed class UrlTaggingInstrumentation : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.AspNetCore")
            {
                value.Subscribe(this, name => name.StartsWith("Microsoft.AspNetCore.Hosting.HttpRequestIn", StringComparison.Ordinal));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "Microsoft.AspNetCore.Hosting.HttpRequestIn.Start" && value.Value is Microsoft.AspNetCore.Http.HttpContext http && Activity.Current is { } activity)
            {
                activity.SetTag("url.path", http.Request.Path.Value);
                activity.SetTag("http.target", http.Request.Path.Value + http.Request.QueryString.Value);
                activity.DisplayName = $"{http.Request.Method} {http.Request.Path.Value}";
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
