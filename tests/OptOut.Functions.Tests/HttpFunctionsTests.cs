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
using OptOut.Api.Access;
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

    protected override void Services(IServiceCollection services) => services.AddTestAccess();

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

    [Fact]
    public async Task Without_sign_in_or_an_integration_key_every_case_route_is_401_problem()
    {
        var create = Json("POST", "/api/cases", Requests.For("S-1001", "fn-anon"), key: null);
        var list = Request("GET", "/api/cases", key: null);
        var get = Request("GET", "/api/cases/fn-anon", key: null);
        var withdraw = Request("POST", "/api/cases/fn-anon/withdraw", key: null);
        var answers = new[]
        {
            await RunAsync(create, await _functions.CreateCase(create.Request, Host.Client)),
            await RunAsync(list, await _functions.ListCases(list.Request, Host.Client)),
            await RunAsync(get, await _functions.GetCase(get.Request, "fn-anon", Host.Client)),
            await RunAsync(withdraw, await _functions.WithdrawCase(withdraw.Request, "fn-anon", Host.Client)),
        };

        Assert.All(answers, a => Assert.Equal((401, "application/problem+json"), (a.Status, a.ContentType)));
        Assert.Null(await Host.Get.HandleAsync(Caller.System, "fn-anon", default));
    }

    [Fact]
    public async Task An_integration_key_opens_cases_for_its_offices_only_reads_what_it_opened_and_cannot_list_or_withdraw()
    {
        var elsewhere = Json("POST", "/api/cases", Requests.For("S-1006", "fn-key-brem", office: "bremerton"));
        var refused = await RunAsync(elsewhere, await _functions.CreateCase(elsewhere.Request, Host.Client));
        Assert.Equal((403, "application/problem+json"), (refused.Status, refused.ContentType));
        Assert.Null(await Host.Get.HandleAsync(Caller.System, "fn-key-brem", default));

        var mine = Json("POST", "/api/cases", Requests.For("S-1006", "fn-key-pa"));
        Assert.Equal(202, (await RunAsync(mine, await _functions.CreateCase(mine.Request, Host.Client))).Status);
        var read = Request("GET", "/api/cases/fn-key-pa");
        Assert.Equal(200, (await RunAsync(read, await _functions.GetCase(read.Request, "fn-key-pa", Host.Client))).Status);

        // The same office, opened by someone else (the queue): not this key's to read.
        await Host.StartAsync(Requests.For("S-1001", "fn-queue-pa"));
        var other = Request("GET", "/api/cases/fn-queue-pa");
        Assert.Equal(404, (await RunAsync(other, await _functions.GetCase(other.Request, "fn-queue-pa", Host.Client))).Status);

        var list = Request("GET", "/api/cases");
        Assert.Equal((403, "application/problem+json"), Outcome(await RunAsync(list, await _functions.ListCases(list.Request, Host.Client))));

        await Host.WaitUntilWaitingAsync("fn-key-pa");
        var withdraw = Request("POST", "/api/cases/fn-key-pa/withdraw");
        Assert.Equal(403, (await RunAsync(withdraw, await _functions.WithdrawCase(withdraw.Request, "fn-key-pa", Host.Client))).Status);
        await Host.Withdraw.HandleAsync(Caller.System, "fn-key-pa", "test cleanup", default);
    }

    [Fact]
    public async Task A_case_manager_sees_lists_and_withdraws_only_their_offices_cases_and_is_recorded_from_the_sign_in()
    {
        const string Casey = "casey.manager@example.org";
        var open = Json("POST", "/api/cases", Requests.For("S-1006", "fn-cm-pa"), key: null);
        open.Request.Headers[ClientPrincipal.Header] = Principal("Casey Signed-In", Casey, "CaseManager", "port-angeles");
        Assert.Equal(202, (await RunAsync(open, await _functions.CreateCase(open.Request, Host.Client))).Status);
        await Host.WaitUntilWaitingAsync("fn-cm-pa");
        Assert.Equal("Casey Signed-In", (await Host.Get.HandleAsync(Caller.System, "fn-cm-pa", default))!.CaseManager);

        var jordan = Principal("Jordan Manager", "jordan.manager@example.org", "CaseManager", "bremerton");
        Assert.Equal(404, (await As(jordan, "GET", "/api/cases/fn-cm-pa", r => _functions.GetCase(r, "fn-cm-pa", Host.Client))).Status);
        Assert.Equal(404, (await As(jordan, "POST", "/api/cases/fn-cm-pa/withdraw", r => _functions.WithdrawCase(r, "fn-cm-pa", Host.Client))).Status);
        var jordansList = await As(jordan, "GET", "/api/cases", r => _functions.ListCases(r, Host.Client));
        Assert.Equal(200, jordansList.Status);
        Assert.DoesNotContain(jordansList.Json.GetProperty("items").EnumerateArray(), c => c.GetProperty("caseId").GetString() == "fn-cm-pa");

        var pat = Principal("Pat Supervisor", "pat.supervisor@example.org", "Supervisor");
        Assert.Equal(200, (await As(pat, "GET", "/api/cases/fn-cm-pa", r => _functions.GetCase(r, "fn-cm-pa", Host.Client))).Status);
        Assert.Equal(403, (await As(pat, "POST", "/api/cases/fn-cm-pa/withdraw", r => _functions.WithdrawCase(r, "fn-cm-pa", Host.Client))).Status);

        var casey = Principal("Casey Signed-In", Casey, "CaseManager", "port-angeles");
        var caseysList = await As(casey, "GET", "/api/cases", r => _functions.ListCases(r, Host.Client));
        Assert.Contains(caseysList.Json.GetProperty("items").EnumerateArray(), c => c.GetProperty("caseId").GetString() == "fn-cm-pa");
        Assert.All(caseysList.Json.GetProperty("items").EnumerateArray(), c => Assert.Equal("port-angeles", c.GetProperty("office").GetString()));
        Assert.Equal(202, (await As(casey, "POST", "/api/cases/fn-cm-pa/withdraw", r => _functions.WithdrawCase(r, "fn-cm-pa", Host.Client))).Status);
        Assert.Equal("Withdrawn", (await Host.WaitForClosedAsync("fn-cm-pa")).Outcome);
    }

    private static (int, string?) Outcome(Response response) => (response.Status, response.ContentType);

    private async Task<Response> As(string principal, string method, string path, Func<HttpRequest, Task<IActionResult>> function)
    {
        var call = Request(method, path, key: null);
        call.Request.Headers[ClientPrincipal.Header] = principal;
        return await RunAsync(call, await function(call.Request));
    }

    private static string Principal(string name, string email, string role, string? office = null) =>
        new ClientPrincipal("aad", [new("name", name), new("preferred_username", email), new("roles", role), .. office is null ? Array.Empty<PrincipalClaim>() : [new PrincipalClaim("office", office)]], "name", "roles").Encode();

    private sealed record Response(int Status, string? ContentType, IHeaderDictionary Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private sealed record Call(HttpRequest Request, MemoryStream ResponseBody);

    private Call Json(string method, string path, object body, string? key = TestAccess.Key) =>
        Request(method, path, JsonSerializer.Serialize(body, Web), "application/json", key);

    private Call Request(string method, string path, string? body = null, string? contentType = null, string? key = TestAccess.Key)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Path = path;
        if (key is not null)
        {
            context.Request.Headers["x-functions-key"] = key;
        }

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
