using OptOut.Workflow.Access;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Testing;

namespace OptOut.Functions.Tests;

/// <summary>
/// The Functions HTTP methods called directly, as the Functions ASP.NET Core integration would: a DefaultHttpContext in,
/// the IActionResult executed against it, and a real DurableTaskClient from the in-process durable engine.
/// </summary>
public sealed class HttpFunctionsTests : EngineFixture
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private HttpFunctions _functions = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _functions = new HttpFunctions(Host.Services);
    }

    [Fact]
    public async Task Post_then_get_runs_the_case_to_its_outcome()
    {
        var post = Json("POST", "/api/cases", Requests.For("S-1001", "fn-1"));
        var created = await RunAsync(post, await _functions.CreateCase(post.Request, Host.Client));
        Assert.Equal(202, created.Status);
        Assert.Equal("/api/cases/fn-1", created.Headers["Location"]);
        Assert.Equal("fn-1", created.Json.GetProperty("caseId").GetString());
        Assert.DoesNotContain("statusQueryGetUri", created.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("code=", created.Body, StringComparison.Ordinal);

        await Host.WaitForClosedAsync("fn-1");
        var get = Request("GET", "/api/cases/fn-1");
        var read = await RunAsync(get, await _functions.GetCase(get.Request, "fn-1", Host.Client));
        Assert.Equal(200, read.Status);
        Assert.Equal("Closed", read.Json.GetProperty("stage").GetString());
        Assert.Equal("AlreadyInOffice", read.Json.GetProperty("outcome").GetString());
        Assert.Equal("***-**-0001", read.Json.GetProperty("ssnMasked").GetString());
        Assert.Contains(read.Json.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("step").GetString() == "Office Quick Search");
        Assert.DoesNotContain("521110001", read.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_id_same_body_is_200_and_different_body_is_409()
    {
        var first = Json("POST", "/api/cases", Requests.For("S-1001", "fn-dup"));
        Assert.Equal(202, (await RunAsync(first, await _functions.CreateCase(first.Request, Host.Client))).Status);

        var again = Json("POST", "/api/cases", Requests.For("S-1001", "fn-dup"));
        var repeat = await RunAsync(again, await _functions.CreateCase(again.Request, Host.Client));
        Assert.Equal(200, repeat.Status);
        Assert.Equal("/api/cases/fn-dup", repeat.Headers["Location"]);

        var other = Json("POST", "/api/cases", Requests.For("S-1002", "fn-dup"));
        var conflict = await RunAsync(other, await _functions.CreateCase(other.Request, Host.Client));
        Assert.Equal(409, conflict.Status);
        Assert.Equal("application/problem+json", conflict.ContentType);
    }

    [Fact]
    public async Task Invalid_requests_get_problem_details_not_500()
    {
        var bad = Request("POST", "/api/cases", "{\"client\":", "application/json");
        var malformed = await RunAsync(bad, await _functions.CreateCase(bad.Request, Host.Client));
        Assert.Equal(400, malformed.Status);
        Assert.Equal("application/problem+json", malformed.ContentType);

        var text = Request("POST", "/api/cases", "hello", "text/plain");
        Assert.Equal(415, (await RunAsync(text, await _functions.CreateCase(text.Request, Host.Client))).Status);

        var invalid = Requests.For("S-1001", "fn-bad");
        invalid.Client!.Ssn = "666-12-3456";
        var post = Json("POST", "/api/cases", invalid);
        var validation = await RunAsync(post, await _functions.CreateCase(post.Request, Host.Client));
        Assert.Equal(400, validation.Status);
        Assert.True(validation.Json.GetProperty("errors").TryGetProperty("client.ssn", out _), validation.Body);
        Assert.DoesNotContain("666-12-3456", validation.Body, StringComparison.Ordinal);

        var get = Request("GET", "/api/cases/nope");
        var missing = await RunAsync(get, await _functions.GetCase(get.Request, "nope", Host.Client));
        Assert.Equal(404, missing.Status);
        Assert.Equal("application/problem+json", missing.ContentType);
    }

    [Fact]
    public async Task Decision_link_get_and_head_change_nothing_and_post_decides()
    {
        var post = Json("POST", "/api/cases", Requests.For("S-1006", "fn-decide"));
        await RunAsync(post, await _functions.CreateCase(post.Request, Host.Client));
        await Host.WaitForSupervisorEmailedAsync("fn-decide");
        var email = Host.Mailbox.For("fn-decide").First(m => m.Message.Subject.StartsWith("Opt-in request", StringComparison.Ordinal));
        var token = email.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];

        foreach (var method in new[] { "GET", "HEAD", "GET" })
        {
            var show = Request(method, $"/api/decisions/{token}");
            var page = await RunAsync(show, await _functions.ShowDecision(show.Request, token, Host.Client));
            Assert.Equal(200, page.Status);
            Assert.StartsWith("text/html", page.ContentType, StringComparison.Ordinal);
        }

        Assert.Equal("AwaitingSupervisor", (await Host.Get.HandleAsync(Caller.System, "fn-decide", default))!.Stage);

        var form = Request("POST", $"/api/decisions/{token}", "decision=remain-opted-out&note=prefers+ESD+staff", "application/x-www-form-urlencoded");
        var decided = await RunAsync(form, await _functions.RecordDecision(form.Request, token, Host.Client));
        Assert.Equal(200, decided.Status);
        Assert.Contains("Decision recorded", decided.Body, StringComparison.Ordinal);

        var closed = await Host.WaitForClosedAsync("fn-decide");
        Assert.Equal("RemainsOptedOut", closed.Outcome);

        var reuse = Request("POST", $"/api/decisions/{token}", "decision=opted-in", "application/x-www-form-urlencoded");
        Assert.Equal(409, (await RunAsync(reuse, await _functions.RecordDecision(reuse.Request, token, Host.Client))).Status);
    }

    [Fact]
    public async Task Health_reports_the_durable_engine()
    {
        var get = Request("GET", "/api/health");
        var health = await RunAsync(get, await _functions.Health(get.Request, Host.Client));
        Assert.Equal(200, health.Status);
        Assert.Equal("Healthy", health.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_503_problem_with_retry_after_when_the_durable_engine_does_not_answer()
    {
        var unreachable = Substitute.For<DurableTaskClient>("unreachable");
        unreachable.GetInstanceAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("connection refused"));
        unreachable.GetInstancesAsync(Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("connection refused"));

        var get = Request("GET", "/api/health");
        var health = await RunAsync(get, await _functions.Health(get.Request, unreachable));

        Assert.Equal(503, health.Status);
        Assert.Equal("application/problem+json", health.ContentType?.Split(';')[0]);
        Assert.Equal(503, health.Json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(health.Json.GetProperty("title").GetString()));
        Assert.True(int.Parse(health.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.DoesNotContain("connection refused", health.Body, StringComparison.Ordinal);
    }

    private sealed record Response(int Status, string? ContentType, IHeaderDictionary Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private sealed record Call(HttpRequest Request, MemoryStream ResponseBody);

    private Call Json(string method, string path, object body) =>
        Request(method, path, JsonSerializer.Serialize(body, Web), "application/json");

    private Call Request(string method, string path, string? body = null, string? contentType = null)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Path = path;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = contentType;
        }

        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;
        return new Call(context.Request, responseBody);
    }

    private static async Task<Response> RunAsync(Call call, IActionResult result)
    {
        var context = call.Request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        var body = Encoding.UTF8.GetString(call.ResponseBody.ToArray());
        return new Response(context.Response.StatusCode, context.Response.ContentType?.Split(';')[0], context.Response.Headers, body);
    }
}
