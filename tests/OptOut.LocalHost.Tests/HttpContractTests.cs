using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The HTTP contract's error answers and idempotency, over real HTTP against the local host.</summary>
public sealed class HttpContractTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private LocalHostServer Host => fixture.Host;

    [Fact]
    public async Task An_unknown_api_route_is_404_problem()
    {
        var problem = await (await Host.Http.GetAsync("/api/no-such-thing")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/api/no-such-thing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_the_route_does_not_accept_is_405_problem()
    {
        using var response = await Host.Http.PutAsync("/api/cases", Http.JsonContent("{}"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("PUT", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"caseId\": }")]
    [InlineData("{\"client\": {\"ssn\": 521110005}}")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Malformed_json_is_400_problem(string body)
    {
        var problem = await (await Host.Http.PostCaseAsync(body)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.DoesNotContain("521110005", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_fields_are_400_validation_problem_keyed_by_json_path()
    {
        var request = Requests.For("S-1005");
        request.Client!.Ssn = "666-12-3456";
        request.CaseManager!.Office = "nowhere";
        var problem = await (await Host.Http.PostCaseAsync(request)).AssertProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("client.ssn", out _), problem.GetRawText());
        Assert.True(errors.TryGetProperty("caseManager.office", out _), problem.GetRawText());
        Assert.DoesNotContain("3456", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data")]
    public async Task Wrong_content_type_is_415_problem(string mediaType) =>
        await (await Host.Http.PostCaseAsync(Http.Json(Requests.For("S-1001")), mediaType)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);

    [Fact]
    public async Task Missing_content_type_is_415_problem()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Http.Json(Requests.For("S-1001"))));
        await (await Host.Http.PostAsync("/api/cases", content)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Body_over_64_KiB_with_content_length_is_413_problem()
    {
        var body = "{\"reason\":\"" + new string('x', 70 * 1024) + "\"}";
        var content = Http.JsonContent(body);
        Assert.True(content.Headers.ContentLength > 64 * 1024);
        await (await Host.Http.PostAsync("/api/cases", content)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Body_over_64_KiB_chunked_is_413_problem()
    {
        var body = Encoding.UTF8.GetBytes("{\"reason\":\"" + new string('x', 70 * 1024) + "\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = new Http.ChunkedContent(body) };
        request.Headers.TransferEncodingChunked = true;
        var response = await Host.Http.SendAsync(request);
        Assert.Null(request.Content.Headers.ContentLength);
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Body_of_exactly_64_KiB_is_read_and_judged_on_its_content()
    {
        var prefix = "{\"reason\":\"";
        var body = prefix + new string('x', (64 * 1024) - prefix.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(body));
        var problem = await (await Host.Http.PostCaseAsync(body)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _), problem.GetRawText());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-key")]
    [InlineData("TEST-FUNCTION-KEY")]
    public async Task Missing_or_invalid_function_key_is_401_problem(string? key)
    {
        using var http = Host.NewClient(key: null);
        if (key is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("x-functions-key", key);
        }

        await (await http.PostCaseAsync(Requests.For("S-1001"))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await http.GetAsync("/api/cases")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await http.GetAsync("/api/cases/any-case")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await http.PostAsync("/api/cases/any-case/withdraw", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Integration_key_in_code_query_is_accepted_like_azure_functions()
    {
        using var http = Host.NewClient(key: null);
        var caseId = Requests.UniqueId("code");
        using var opened = await http.PostAsJsonAsync($"/api/cases?code={Host.FunctionKey}", Requests.For("S-1001", caseId));
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        using var read = await http.GetAsync($"/api/cases/{caseId}?code={Host.FunctionKey}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task The_dev_integration_key_cannot_list_cases_and_a_wrong_key_is_401() // docs/access.md: a key opens cases and reads what it opened
    {
        using var keyOnly = Host.NewClient(Host.FunctionKey);
        await (await keyOnly.GetAsync("/api/cases")).AssertProblemAsync(HttpStatusCode.Forbidden);
        using var wrong = Host.NewClient("not-the-key");
        await (await wrong.GetAsync("/api/cases/anything")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/api/cases/no-such-case")]
    [InlineData("/api/cases/has%20space")]
    [InlineData("/api/cases/%3Cscript%3E")]
    public async Task Unknown_case_is_404_problem(string path) =>
        await (await Host.Http.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound);

    [Fact]
    public async Task Withdrawing_an_unknown_case_is_404_problem() =>
        await (await Host.Http.PostAsync("/api/cases/no-such-case/withdraw", null)).AssertProblemAsync(HttpStatusCode.NotFound);

    [Theory]
    [InlineData("stage=Bogus", "stage")]
    [InlineData("stage=1", "stage")]
    [InlineData("stage=%3Cscript%3E", "stage")]
    [InlineData("status=Sleeping", "status")]
    [InlineData("status=99", "status")]
    [InlineData("createdBefore=yesterday", "createdBefore")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("pageSize=-1", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    public async Task Invalid_list_filters_are_400_problem_naming_the_filter(string query, string field)
    {
        var problem = await (await Host.Http.GetAsync($"/api/cases?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("stage=AwaitingSupervisor")]
    [InlineData("stage=closed&status=Completed")]
    [InlineData("createdBefore=2030-01-01T00:00:00Z&pageSize=10")]
    public async Task Valid_list_filters_are_200(string query)
    {
        var response = await Host.Http.GetAsync($"/api/cases?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("items").ValueKind);
    }

    [Fact]
    public async Task Same_id_and_body_is_200_with_the_existing_case_and_location_and_different_body_is_409()
    {
        var request = Requests.For("S-1001", "idem-http-1");
        var first = await Host.Http.PostCaseAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("/api/cases/idem-http-1", first.Headers.Location?.OriginalString);

        var again = await Host.Http.PostCaseAsync(request);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("/api/cases/idem-http-1", again.Headers.Location?.OriginalString);
        using (var doc = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
        {
            Assert.Equal("idem-http-1", doc.RootElement.GetProperty("caseId").GetString());
            Assert.Equal("/api/cases/idem-http-1", doc.RootElement.GetProperty("location").GetString());
        }

        // Trivial differences (spacing, letter case of emails and office) are the same request.
        request.CaseManager!.Email = "  CASEY.MANAGER@EXAMPLE.ORG ";
        request.CaseManager.Office = "Port-Angeles";
        Assert.Equal(HttpStatusCode.OK, (await Host.Http.PostCaseAsync(request)).StatusCode);

        request.Reason = "A different reason.";
        var problem = await (await Host.Http.PostCaseAsync(request)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("idem-http-1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var other = Requests.For("S-1002", "idem-http-1");
        await (await Host.Http.PostCaseAsync(other)).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Twenty_concurrent_identical_posts_create_exactly_one_case()
    {
        var body = Http.Json(Requests.For("S-1004", "idem-concurrent-1"));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posts = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            await go.Task;
            return await Host.Http.PostCaseAsync(body);
        })).ToList();
        go.SetResult();
        var responses = await Task.WhenAll(posts);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses, r => Assert.Equal("/api/cases/idem-concurrent-1", r.Headers.Location?.OriginalString));

        var instances = new List<OrchestrationMetadata>();
        await foreach (var i in Host.Durable.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "idem-concurrent-1" }))
        {
            instances.Add(i);
        }

        Assert.Single(instances);
    }
}
