using OptOut.Workflow.Access;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Protection;
using OptOut.Workflow.UseCases.ListCases;

namespace OptOut.LocalHost.Tests;

/// <summary>A local host on the in-memory durable engine, with the supervisor waits of <see cref="CaseQueryTests.Waits"/>.</summary>
public sealed class InMemoryQueryHost : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new() { Settings = s => CaseQueryTests.Waits(s) };
}

/// <summary>The same local host on the Azure Storage provider (the one Durable Functions uses) against a real Azurite.</summary>
public sealed class AzureStorageQueryHost : AzuriteLocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s =>
        {
            CaseQueryTests.Waits(s);
            s["LocalHost:Store"] = "AzureStorage";
            s["LocalHost:AzureStorage:ConnectionString"] = Azurite.ConnectionString;
        },
    };
}

public sealed class InMemoryCaseQueryTests(InMemoryQueryHost fixture) : CaseQueryTests(fixture), IClassFixture<InMemoryQueryHost>;

public sealed class AzureStorageCaseQueryTests(AzureStorageQueryHost fixture) : CaseQueryTests(fixture), IClassFixture<AzureStorageQueryHost>;

/// <summary>
/// GET /api/cases and GET /api/cases/{id} give every answer right on both durable engines (the in-memory one and the
/// Azure Storage provider, which differ: instance ids are case-insensitive in one and case-sensitive in the other, and
/// an engine continuation token that is not theirs fails in one and reads as "no more cases" in the other).
/// </summary>
public abstract class CaseQueryTests(LocalHostServerFixture fixture)
{
    private LocalHostServer Host => fixture.Host;

    /// <summary>A waiting case reminds twice, 2 s apart (a continue-as-new each time), then stays open for the tests.</summary>
    internal static void Waits(Dictionary<string, string?> s) =>
        s.SupervisorWait(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20))["Workflow:MaxReminders"] = "2";

    [Fact]
    public async Task CreatedBefore_finds_a_case_that_has_continued_as_new_by_when_it_was_received()
    {
        var id = await Host.OpenCaseAsync("S-1006", Id("cab"));
        // Two reminders: the case has continued-as-new, so the engine's created time is later than the case's.
        var view = await Host.WaitForCaseAsync(id, c => c.GetProperty("remindersSent").GetInt32() >= 2);
        var receivedAt = view.GetProperty("receivedAt").GetDateTime();

        var justAfter = Iso(receivedAt.AddMilliseconds(1));
        Assert.Contains(id, await AllIdsAsync($"createdBefore={justAfter}&stage=AwaitingSupervisor"));
        Assert.Contains(id, await AllIdsAsync($"createdBefore={justAfter}&status=Running&pageSize=1"));

        // "Before" is strict: a case received at that very instant is not before it.
        Assert.DoesNotContain(id, await AllIdsAsync($"createdBefore={Iso(receivedAt)}"));
        Assert.DoesNotContain(id, await AllIdsAsync($"createdBefore={Iso(receivedAt.AddMinutes(-1))}"));
    }

    [Fact]
    public async Task A_case_manager_lists_only_their_offices_cases_filtered_by_outcome_and_an_integration_key_lists_nothing()
    {
        var portAngeles = await Host.OpenCaseAsync("S-1001", Id("scpa"));
        var bremerton = await Host.OpenCaseAsync("S-1001", Id("scbr"), office: "bremerton");
        var paOutcome = (await Host.WaitForCaseAsync(portAngeles, c => c.GetProperty("stage").GetString() == "Closed")).GetProperty("outcome").GetString();
        var brOutcome = (await Host.WaitForCaseAsync(bremerton, c => c.GetProperty("stage").GetString() == "Closed")).GetProperty("outcome").GetString();

        using var casey = Host.SignedIn(People.Casey, acceptJson: true);
        using var jordan = Host.SignedIn(People.Jordan, acceptJson: true);
        var caseys = await AllPagesAsync($"outcome={paOutcome}&pageSize=7", casey);
        Assert.Contains(portAngeles, Ids(caseys));
        Assert.DoesNotContain(bremerton, Ids(caseys));
        Assert.All(caseys.SelectMany(p => p.Items), c => Assert.Equal(("port-angeles", paOutcome), (c.GetProperty("office").GetString(), c.GetProperty("outcome").GetString())));

        var jordans = await AllIdsAsync($"outcome={brOutcome}&pageSize=7", jordan);
        Assert.Contains(bremerton, jordans);
        Assert.DoesNotContain(portAngeles, jordans);
        Assert.Contains(bremerton, await AllIdsAsync($"outcome={brOutcome}")); // the administrator: every office

        using var key = Host.NewClient(Host.FunctionKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await key.GetAsync("/api/cases")).StatusCode);
    }

    [Fact]
    public async Task Every_page_is_full_until_the_last_whatever_the_filters_drop()
    {
        // Closed cases around waiting ones, so that engine pages hold both.
        var closed = new List<string>();
        var waiting = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            closed.Add(await Host.OpenCaseAsync("S-1001", Id($"full-c{i}")));
            waiting.Add(await Host.OpenCaseAsync("S-1006", Id($"full-w{i}")));
        }

        foreach (var id in waiting)
        {
            await Host.WaitForStageAsync(id, "AwaitingSupervisor");
        }

        foreach (var id in closed)
        {
            await Host.WaitForStageAsync(id, "Closed");
        }

        foreach (var pageSize in new[] { 1, 2, 3 })
        {
            var awaiting = await AllPagesAsync($"stage=AwaitingSupervisor&pageSize={pageSize}");
            AssertFullPages(awaiting, pageSize);
            Assert.All(awaiting.SelectMany(p => p.Items), c => Assert.Equal("AwaitingSupervisor", c.GetProperty("stage").GetString()));
            Assert.Superset(waiting.ToHashSet(), Ids(awaiting).ToHashSet());

            var closedPages = await AllPagesAsync($"stage=Closed&pageSize={pageSize}");
            AssertFullPages(closedPages, pageSize);
            Assert.Superset(closed.ToHashSet(), Ids(closedPages).ToHashSet());

            var all = await AllPagesAsync($"pageSize={pageSize}");
            AssertFullPages(all, pageSize);
            Assert.Superset(closed.Concat(waiting).ToHashSet(), Ids(all).ToHashSet());
        }
    }

    [Fact]
    public async Task Paging_resumes_inside_and_across_engine_pages_without_losing_or_repeating_a_case()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Host.OpenCaseAsync(i % 2 == 0 ? "S-1001" : "S-1006", Id($"engine-{i}")));
        }

        foreach (var id in ids)
        {
            await Host.WaitForCaseAsync(id, c => LocalHostServer.Stage(c) is "Closed" or "AwaitingSupervisor");
        }

        // Engine pages of 3 instances: a page of 2 cases ends inside one, a filtered page spans several.
        var handler = new ListCasesHandler(Host.Durable, Host.Services.GetRequiredService<IOptions<ProtectionOptions>>()) { EnginePageSize = 3 };
        var everything = await HandlerPagesAsync(handler, null, 500);
        Assert.Single(everything);
        var expected = everything[0].Items.Select(c => c.CaseId).ToList();
        Assert.Superset(ids.ToHashSet(), expected.ToHashSet());

        foreach (var pageSize in new[] { 1, 2, 4 })
        {
            var pages = await HandlerPagesAsync(handler, null, pageSize);
            Assert.All(pages.SkipLast(1), p => Assert.Equal(pageSize, p.Items.Count));
            Assert.Equal(expected, pages.SelectMany(p => p.Items).Select(c => c.CaseId).ToList()); // same cases, same order, none twice
        }

        var waitingOnly = await HandlerPagesAsync(handler, CaseStage.AwaitingSupervisor, 1);
        Assert.All(waitingOnly.SkipLast(1), p => Assert.Single(p.Items));
        Assert.Equal(
            everything[0].Items.Where(c => c.Stage == "AwaitingSupervisor").Select(c => c.CaseId).ToList(),
            waitingOnly.SelectMany(p => p.Items).Select(c => c.CaseId).ToList());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("12345")] // the in-memory engine's own token format
    [InlineData("eC0y%20")] // the Azure Storage provider's own token format (base64 partition key, space)
    [InlineData("eyJ2IjoxLCJlIjpudWxsLCJuIjo1MCwicyI6MH0")] // our JSON without its tag
    [InlineData("%E2%9C%93")]
    public async Task An_unusable_continuation_token_is_400_problem_naming_it(string token)
    {
        var problem = await (await Host.Http.GetAsync($"/api/cases?continuationToken={token}")).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("continuationToken", out _), problem.GetRawText());
    }

    [Fact]
    public async Task An_altered_continuation_token_is_400_problem()
    {
        await Host.WaitForStageAsync(await Host.OpenCaseAsync("S-1001", Id("alter-1")), "Closed");
        await Host.WaitForStageAsync(await Host.OpenCaseAsync("S-1001", Id("alter-2")), "Closed");
        var first = await PageAsync("pageSize=1");
        var token = first.Token!;
        Assert.Equal(HttpStatusCode.OK, (await Host.Http.GetAsync($"/api/cases?pageSize=1&continuationToken={Uri.EscapeDataString(token)}")).StatusCode);

        var altered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        await (await Host.Http.GetAsync($"/api/cases?continuationToken={Uri.EscapeDataString(altered)}")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await Host.Http.GetAsync($"/api/cases?continuationToken={Uri.EscapeDataString(token[..^4])}")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Case_ids_are_one_case_whatever_their_letter_case()
    {
        var typed = Id("Mixed-Case");
        var request = Requests.For("S-1006", typed);
        using var created = await Host.Http.PostAsJsonAsync("/api/cases", request);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = typed.ToLowerInvariant();
        Assert.Equal($"/api/cases/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(id, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseId").GetString());

        foreach (var form in new[] { typed, id, typed.ToUpperInvariant() })
        {
            var view = await Host.CaseAsync(form);
            Assert.Equal(id, view.GetProperty("caseId").GetString());
        }

        // The same request under another letter case is the same case; other details under it are a conflict.
        request.CaseId = typed.ToUpperInvariant();
        using (var again = await Host.Http.PostAsJsonAsync("/api/cases", request))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseId").GetString());
        }

        await (await Host.Http.PostAsJsonAsync("/api/cases", Requests.For("S-1002", id.ToUpperInvariant()))).AssertProblemAsync(HttpStatusCode.Conflict);

        // Listed once, under its one id; withdrawn through another letter case.
        Assert.Single(await AllIdsAsync("pageSize=500"), c => string.Equals(c, id, StringComparison.OrdinalIgnoreCase));
        await Host.WaitForStageAsync(id, "AwaitingSupervisor");
        using (var withdraw = await Host.Http.PostAsync($"/api/cases/{typed.ToUpperInvariant()}/withdraw", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, withdraw.StatusCode);
        }

        var closed = await Host.WaitForStageAsync(id, "Closed");
        Assert.Equal("Withdrawn", closed.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_phone_typed_in_any_accepted_form_is_stored_and_emailed_as_360_555_0106()
    {
        var request = Requests.For("S-1006", Id("phone"));
        request.Client!.Phone = "+1 (360)555.0106";
        using (var created = await Host.Http.PostAsJsonAsync("/api/cases", request))
        {
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        }

        await Host.WaitForEmailsRecordedAsync(request.CaseId!);
        var emails = Host.Mailbox.For(request.CaseId!);
        var supervisor = Assert.Single(emails, e => e.Message.To.Email == "pat.supervisor@example.org");
        Assert.Contains("360-555-0106", supervisor.Message.TextBody, StringComparison.Ordinal);
        Assert.All(emails, e => Assert.DoesNotContain("(360)555.0106", e.Message.TextBody + e.Message.HtmlBody, StringComparison.Ordinal));

        // Stored normalised: the identical case typed the plain way is the same case, not a conflict.
        request.Client.Phone = "360-555-0106";
        using var again = await Host.Http.PostAsJsonAsync("/api/cases", request);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static string Id(string name) => Requests.UniqueId(name, maxLength: Math.Min(64, name.Length + 9));

    private static string Iso(DateTime utc) => Uri.EscapeDataString(utc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    private static IEnumerable<string> Ids(IEnumerable<(List<JsonElement> Items, string? Token)> pages) =>
        pages.SelectMany(p => p.Items).Select(c => c.GetProperty("caseId").GetString()!);

    private static void AssertFullPages(List<(List<JsonElement> Items, string? Token)> pages, int pageSize)
    {
        Assert.Null(pages[^1].Token);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(pageSize, p.Items.Count));
        var ids = Ids(pages).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    private async Task<(List<JsonElement> Items, string? Token)> PageAsync(string query, HttpClient? client = null)
    {
        using var response = await (client ?? Host.Http).GetAsync($"/api/cases?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var token = doc.RootElement.GetProperty("continuationToken");
        return ([.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())], token.ValueKind == JsonValueKind.Null ? null : token.GetString());
    }

    private async Task<List<(List<JsonElement> Items, string? Token)>> AllPagesAsync(string query, HttpClient? client = null)
    {
        var pages = new List<(List<JsonElement>, string?)>();
        string? token = null;
        do
        {
            var page = await PageAsync(token is null ? query : $"{query}&continuationToken={Uri.EscapeDataString(token)}", client);
            pages.Add(page);
            token = page.Token;
            Assert.True(pages.Count < 1000, "Paging did not end.");
        }
        while (token is not null);
        return pages;
    }

    private async Task<List<string>> AllIdsAsync(string query, HttpClient? client = null) => [.. Ids(await AllPagesAsync(query, client))];

    private static async Task<List<CasePage>> HandlerPagesAsync(ListCasesHandler handler, CaseStage? stage, int pageSize)
    {
        var pages = new List<CasePage>();
        string? token = null;
        do
        {
            var page = await handler.HandleAsync(Caller.System, new CaseListQuery(stage, null, null, token, pageSize), CancellationToken.None);
            pages.Add(page);
            token = page.ContinuationToken;
            Assert.True(pages.Count < 1000, "Paging did not end.");
        }
        while (token is not null);
        return pages;
    }
}
