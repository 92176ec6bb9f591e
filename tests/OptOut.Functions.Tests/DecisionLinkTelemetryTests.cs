using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Testing;

namespace OptOut.Functions.Tests;

/// <summary>
/// The Functions app keeps decision tokens out of telemetry: the decision functions rewrite the request's activity,
/// every exported span passes the redaction processor, and the host's own request telemetry leaves the path out.
/// </summary>
public sealed class DecisionLinkTelemetryTests : EngineFixture
{
    protected override void Services(IServiceCollection services) => services.AddTestAccess();

    private const string Token = "eyJDIjoiY2FzZS0xIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1mb3ItdGVzdHM";

    [Fact]
    public void The_processor_rewrites_every_tag_and_the_name_that_hold_a_decision_token()
    {
        using var activity = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn");
        activity.Start();
        activity.DisplayName = $"POST /api/decisions/{Token}";
        activity.SetTag("url.path", $"/api/decisions/{Token}");
        activity.SetTag("url.full", $"https://optout.example.test/api/decisions/{Token}?x=1");
        activity.SetTag("http.target", $"/api/decisions/{Token}");
        activity.SetTag("optout.case_id", "case-1");

        new DecisionLinkRedactionProcessor().OnEnd(activity);

        Assert.Equal("POST /api/decisions/{token}", activity.DisplayName);
        Assert.Equal("/api/decisions/{token}", activity.GetTagItem("url.path"));
        Assert.Equal("https://optout.example.test/api/decisions/{token}?x=1", activity.GetTagItem("url.full"));
        Assert.Equal("/api/decisions/{token}", activity.GetTagItem("http.target"));
        Assert.Equal("api/decisions/{token}", activity.GetTagItem("http.route"));
        Assert.Equal("case-1", activity.GetTagItem("optout.case_id"));
        Assert.DoesNotContain(activity.TagObjects, t => t.Value?.ToString()?.Contains(Token, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task The_decision_functions_redact_the_request_activity_on_get_and_post()
    {
        var functions = new HttpFunctions(Host.Services);
        foreach (var method in new[] { "GET", "POST" })
        {
            using var activity = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
            activity.SetTag("url.path", $"/api/decisions/{Token}");
            activity.DisplayName = $"{method} /api/decisions/{Token}";
            var http = new DefaultHttpContext { RequestServices = Host.Services };
            http.Features.Set<IHttpActivityFeature>(new ActivityFeature(activity));
            http.Request.Method = method;
            http.Request.Path = $"/api/decisions/{Token}";
            http.Response.Body = new MemoryStream();

            var result = method == "GET"
                ? await functions.ShowDecision(http.Request, Token, Host.Client)
                : await functions.RecordDecision(http.Request, Token, Host.Client);
            await result.ExecuteResultAsync(new ActionContext(http, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

            Assert.Equal(403, http.Response.StatusCode); // a forged token: refused, and still not recorded anywhere
            Assert.Equal("/api/decisions/{token}", activity.GetTagItem("url.path"));
            Assert.DoesNotContain(Token, activity.DisplayName, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_hosts_request_telemetry_leaves_out_the_http_triggers_path()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsMetadataTests.RepoRoot(), "src", "OptOut.Functions", "host.json")));
        var options = doc.RootElement.GetProperty("logging").GetProperty("applicationInsights").GetProperty("httpAutoCollectionOptions");
        Assert.False(options.GetProperty("enableHttpTriggerExtendedInfoCollection").GetBoolean());
    }

    private sealed class ActivityFeature(Activity activity) : IHttpActivityFeature
    {
        public Activity Activity { get; set; } = activity;
    }
}
