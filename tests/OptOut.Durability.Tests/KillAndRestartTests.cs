using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using OptOut.Testing;
using Xunit.Abstractions;

namespace OptOut.Durability.Tests;

/// <summary>
/// The durable local engine (LocalHost:Store=AzureStorage, Azurite): a case waiting on its supervisor survives the host
/// being killed with SIGKILL. After a restart on the same storage the emailed decision link still works, the case closes
/// with its whole timeline, and no email of a step done before the kill is sent again.
/// </summary>
public sealed partial class KillAndRestartTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string TaskHub = "DurabilityTest";
    private const string CaseId = "durable-kill-1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Case_waiting_on_its_supervisor_survives_kill_9_and_closes_with_its_full_timeline_and_no_repeated_email()
    {
        var clock = Stopwatch.StartNew();
        var baseUrl = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        var settings = Settings(baseUrl, azurite.ConnectionString);
        using var http = new HttpClient(new OperatorHandler(new HttpClientHandler { AllowAutoRedirect = false })) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Add("x-functions-key", LocalHostProcess.FunctionKey);
        var mailbox = new TableClient(azurite.ConnectionString, TaskHub + "Mailbox");

        // 1. First process: open a case for an opted-out client and let it reach AwaitingSupervisor.
        CaseDto beforeKill;
        var first = await LocalHostProcess.StartAsync(baseUrl, settings, TimeSpan.FromSeconds(60));
        await using (first)
        {
            using var created = await http.PostAsync(new Uri("/api/cases", UriKind.Relative), new StringContent(CaseJson, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);

            await WaitForAsync(http, c => c.Stage == "AwaitingSupervisor" && c.Timeline.Any(t => t.Step == "Client emailed"), first);
            await WaitForMailAsync(mailbox, 3);
            beforeKill = await WaitUntilQuietAsync(http);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: waiting at {beforeKill.Stage}; killing process {first.Id}");

            await first.KillAsync();
        }

        // 2. Second process on the same storage (the MIS simulator is in memory: the client is opted out again).
        var second = await LocalHostProcess.StartAsync(baseUrl, settings, TimeSpan.FromSeconds(60));
        await using (second)
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: restarted as process {second.Id}");
            var afterRestart = await GetCaseAsync(http);
            Assert.True(afterRestart is not null, $"Case {CaseId} is gone after the restart.");
            Assert.Equal("AwaitingSupervisor", afterRestart.Stage);
            Assert.Equal("Running", afterRestart.Status);
            Assert.Equal(Steps(beforeKill), Steps(afterRestart));

            // The dev mailbox survived too: the supervisor's decision link is read from it, as a developer would.
            var link = await DecisionLinkAsync(http);

            using var optIn = await http.PostAsync(new Uri("/sim/mis/participants/S-1005/opt-in", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Redirect, optIn.StatusCode);

            var decision = new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = "opted-in", ["note"] = "Decided after a restart." });
            using var decided = await http.PostAsync(new Uri(link, UriKind.Relative), decision);
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);

            var closed = await WaitForAsync(http, c => c.Stage == "Closed", second);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: closed {closed.Outcome}");

            // Nothing lost: the timeline before the kill is kept as it was, and the case went on from there.
            Assert.Equal("Completed", closed.Status);
            Assert.Equal("OptedInAndAdded", closed.Outcome);
            Assert.Equal(
                ["Received", "Office Quick Search", "Statewide search", "Opt-Out Lookup", "Opted out", "Supervisor emailed", "Client emailed", "Supervisor decision", "Add Seeker to Office", "Closed"],
                Steps(closed));
            Assert.Equal(beforeKill.Timeline, closed.Timeline.Take(beforeKill.Timeline.Count));
            Assert.Contains("Decided after a restart.", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);

            // No duplicate email: one row per message key, each sent once (a repeat would count an attempt).
            var mail = await WaitForMailAsync(mailbox, 4);
            Assert.Equal(
                [$"{CaseId}:CaseManagerOutcome:1", $"{CaseId}:CaseManagerUpdate:1", $"{CaseId}:ClientContactSupervisor:1", $"{CaseId}:SupervisorRequest:1"],
                mail.Select(m => m.GetString("MessageKey")).Order(StringComparer.Ordinal));
            Assert.All(mail, m => Assert.Equal(1, m.GetInt32("Attempts")));

            // The decision link stays single-use.
            using var reused = await http.PostAsync(new Uri(link, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = "opted-in" }));
            Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);

            // Retention purge works on this provider too: the closed case is removed, on demand.
            using var purge = await http.PostAsync(new Uri("/api/admin/purge?olderThanDays=0", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
            Assert.Equal(1, (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt32());
            Assert.Null(await GetCaseAsync(http));
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: done (Azurite start not counted)");
    }

    private static Dictionary<string, string> Settings(string baseUrl, string connectionString) =>
        LocalHostProcess.AzureStorageSettings(baseUrl, connectionString, TaskHub);

    private const string CaseJson = $$"""
        {
          "caseId": "{{CaseId}}",
          "caseManager": { "name": "Casey Manager", "email": "casey.manager@example.org", "office": "port-angeles" },
          "client": { "firstName": "Elena", "lastName": "Optout", "phone": "360-555-0105", "email": "elena@example.net", "ssn": "521-11-0005" },
          "reason": "Client wants to enroll in WIOA Adult training."
        }
        """;

    private static string[] Steps(CaseDto c) => [.. c.Timeline.Select(t => t.Step)];

    private static async Task<CaseDto?> GetCaseAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri($"/api/cases/{CaseId}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<CaseDto>(Json);
    }

    private static async Task<CaseDto> WaitForAsync(HttpClient http, Func<CaseDto, bool> until, LocalHostProcess host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        CaseDto? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetCaseAsync(http);
            if (last is not null && until(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Case {CaseId}: last seen {last?.Stage}/{last?.Status}, steps {string.Join(" | ", last is null ? [] : Steps(last))}. Host output:\n{host.Output}");
    }

    /// <summary>
    /// Waits until the case's instance has not changed for a while: the workflow has finished its last step before the
    /// wait (continue-as-new included) and holds no message in flight, which is when a developer's host would be killed.
    /// </summary>
    private static async Task<CaseDto> WaitUntilQuietAsync(HttpClient http)
    {
        var last = (await GetCaseAsync(http))!;
        var quietSince = DateTime.UtcNow;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow - quietSince < TimeSpan.FromSeconds(1.5))
        {
            Assert.True(DateTime.UtcNow < deadline, "The case never settled at AwaitingSupervisor.");
            await Task.Delay(250);
            var now = (await GetCaseAsync(http))!;
            if (now.LastUpdatedAt != last.LastUpdatedAt || now.Timeline.Count != last.Timeline.Count)
            {
                quietSince = DateTime.UtcNow;
            }

            last = now;
        }

        return last;
    }

    private static async Task<List<TableEntity>> WaitForMailAsync(TableClient mailbox, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in mailbox.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }

            if (rows.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, rows.Count);
                return rows;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string> DecisionLinkAsync(HttpClient http)
    {
        var page = await http.GetStringAsync(new Uri("/dev/mailbox", UriKind.Relative));
        var request = MailboxEntry().Matches(page).Single(m => m.Groups["subject"].Value.StartsWith("Opt-in request", StringComparison.Ordinal));
        var email = await http.GetStringAsync(new Uri(request.Groups["href"].Value, UriKind.Relative));
        var link = DecisionHref().Match(email);
        Assert.True(link.Success, "The supervisor's email has no decision link.");
        return new Uri(WebUtility.HtmlDecode(link.Groups["url"].Value)).PathAndQuery;
    }

    [GeneratedRegex("<a href=\"(?<href>/dev/mailbox/[^\"]+)\">(?<subject>[^<]*)</a>")]
    private static partial Regex MailboxEntry();

    [GeneratedRegex("href=\"(?<url>https?://[^\"]*/api/decisions/[^\"]+)\"")]
    private static partial Regex DecisionHref();

    private sealed record CaseDto(string CaseId, string Stage, string Status, string? Outcome, DateTime? LastUpdatedAt, List<TimelineDto> Timeline);

    private sealed record TimelineDto(DateTime At, string Step, string Detail);
}
