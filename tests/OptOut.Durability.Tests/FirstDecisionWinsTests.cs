using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using OptOut.Testing;
using OptOut.Workflow.Decisions;
using Xunit.Abstractions;

namespace OptOut.Durability.Tests;

/// <summary>
/// The first decision of a case wins on every instance: two local hosts, each in its own process, on one Azurite store
/// (LocalHost:Store=AzureStorage, one task hub, two workers) are two instances of the app. The same link POSTed to
/// both at once, and the supervisor's and the escalation contact's links POSTed to both at once, record exactly one
/// decision; every other POST answers 409 with who decided what, also after both processes restart.
/// </summary>
public sealed partial class FirstDecisionWinsTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string TaskHub = "DecisionRace";
    private const string SigningKey = "ZHVyYWJpbGl0eS10ZXN0LWRlY2lzaW9uLWtleS0zMmJ5dGVz";
    private const string EscalationEmail = "morgan.escalation@example.org";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Two_instances_record_one_decision_per_case_and_every_other_post_answers_409_with_who_decided_even_after_a_restart()
    {
        var urlA = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        var urlB = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        using var a = Client(urlA);
        using var b = Client(urlB);
        var mailbox = new TableClient(azurite.ConnectionString, TaskHub + "Mailbox");

        string sameLink, supervisorLink, escalationLink;
        var hosts = await Task.WhenAll(Start(urlA, "a"), Start(urlB, "b"));
        await using (hosts[0])
        await using (hosts[1])
        {
            // Two cases waiting on their supervisor, opened on instance A.
            await OpenAsync(a, "race-same-link");
            await OpenAsync(a, "race-two-links");
            await WaitForAsync(b, "race-same-link", c => c.Stage == "AwaitingSupervisor", hosts);
            await WaitForAsync(b, "race-two-links", c => c.Stage == "AwaitingSupervisor", hosts);
            sameLink = await SupervisorLinkAsync(mailbox, "race-same-link");
            supervisorLink = await SupervisorLinkAsync(mailbox, "race-two-links");
            // The escalation contact's link, as the escalation email carries it (same key, the contact's address and role).
            escalationLink = "/api/decisions/" + Tokens().Create("race-two-links", EscalationEmail, DecisionRole.EscalationContact);

            // 1. One link, POSTed to both instances at once (three times each).
            var same = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => PostAsync(i % 2 == 0 ? a : b, sameLink, i % 3 == 0 ? "opted-in" : "remain-opted-out")));
            AssertOneDecision(same);

            // 2. The supervisor's and the escalation contact's links, each POSTed to both instances at once.
            var two = await Task.WhenAll(
                PostAsync(a, supervisorLink, "remain-opted-out"),
                PostAsync(b, escalationLink, "remain-opted-out"),
                PostAsync(b, supervisorLink, "opted-in"),
                PostAsync(a, escalationLink, "opted-in"));
            AssertOneDecision(two);
            foreach (var r in same.Concat(two))
            {
                output.WriteLine($"{(int)r.Status} {Regex.Match(r.Body, "role=\"(?:status|alert)\">([^<]*)<").Groups[1].Value}");
            }

            // Each case took exactly the one decision, and closed on it.
            var closedSame = await WaitForAsync(a, "race-same-link", c => c.Stage == "Closed", hosts);
            var closedTwo = await WaitForAsync(b, "race-two-links", c => c.Stage == "Closed", hosts);
            Assert.Single(closedSame.Timeline, t => t.Step == "Supervisor decision");
            var decided = Assert.Single(closedTwo.Timeline, t => t.Step == "Supervisor decision");
            var escalationWon = two.Single(r => r.Status == HttpStatusCode.OK).Link == escalationLink;
            Assert.StartsWith(escalationWon ? "WDC Program Manager (escalation contact" : "Pat Supervisor:", decided.Detail, StringComparison.Ordinal);

            await hosts[0].KillAsync();
            await hosts[1].KillAsync();
        }

        // 3. Both instances restarted: every link still answers 409 and says who decided what, and when.
        var restarted = await Task.WhenAll(Start(urlA, "a"), Start(urlB, "b"));
        await using (restarted[0])
        await using (restarted[1])
        {
            foreach (var (http, link) in new[] { (a, sameLink), (b, sameLink), (a, supervisorLink), (b, escalationLink) })
            {
                var again = await PostAsync(http, link, "opted-in");
                Assert.Equal(HttpStatusCode.Conflict, again.Status);
                Assert.Contains("already recorded", again.Body, StringComparison.Ordinal);
                Assert.Matches(@"(Pat Supervisor \(supervisor\)|WDC Program Manager \(escalation contact, on the supervisor&#39;s behalf\)) recorded on \d{4}-\d\d-\d\d \d\d:\d\d UTC that the client", again.Body);
            }
        }
    }

    private static void AssertOneDecision(Posted[] results)
    {
        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r => Assert.True(r.Status == HttpStatusCode.Conflict, $"{(int)r.Status}: {r.Body}"));
    }

    private Task<LocalHostProcess> Start(string baseUrl, string worker) => LocalHostProcess.StartAsync(baseUrl, Settings(baseUrl, worker), TimeSpan.FromSeconds(90));

    private Dictionary<string, string> Settings(string baseUrl, string worker) => LocalHostProcess.AzureStorageSettings(baseUrl, azurite.ConnectionString, TaskHub, $"decision-race-{worker}", new Dictionary<string, string>
    {
        ["Links__SigningKey"] = SigningKey,
        ["Escalation__ContactName"] = "WDC Program Manager",
        ["Escalation__ContactEmail"] = EscalationEmail,
    });

    private static DecisionTokens Tokens() => new(
        Options.Create(new LinkOptions { SigningKey = SigningKey, PublicBaseUrl = new Uri("http://127.0.0.1/"), Lifetime = TimeSpan.FromDays(1) }),
        TimeProvider.System);

    private static HttpClient Client(string baseUrl)
    {
        var http = new HttpClient(new OperatorHandler(new HttpClientHandler { AllowAutoRedirect = false })) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("x-functions-key", LocalHostProcess.FunctionKey);
        return http;
    }

    private static async Task OpenAsync(HttpClient http, string caseId)
    {
        var body = $$"""
            {
              "caseId": "{{caseId}}",
              "caseManager": { "name": "Casey Manager", "email": "casey.manager@example.org", "office": "port-angeles" },
              "client": { "firstName": "Farid", "lastName": "Staysout", "phone": "360-555-0106", "email": "farid@example.net", "ssn": "521-11-0006" },
              "reason": "Client wants to enroll in WIOA Adult training."
            }
            """;
        using var created = await http.PostAsync(new Uri("/api/cases", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
    }

    private static async Task<Posted> PostAsync(HttpClient http, string link, string decision)
    {
        using var response = await http.PostAsync(new Uri(link, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = decision }));
        return new Posted(link, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<CaseDto> WaitForAsync(HttpClient http, string caseId, Func<CaseDto, bool> until, LocalHostProcess[] hosts)
    {
        CaseDto? last = null;
        try
        {
            return (await Eventually.UntilAsync(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri($"/api/cases/{caseId}", UriKind.Relative));
                    last = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<CaseDto>(Json) : null;
                    return last;
                },
                c => c is not null && until(c),
                TimeSpan.FromSeconds(60),
                c => $"Case {caseId}: last seen {c?.Stage}/{c?.Status}",
                TimeSpan.FromMilliseconds(200)))!;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TimeoutException($"{e.Message}\nHost A:\n{hosts[0].Output}\nHost B:\n{hosts[1].Output}", e);
        }
    }

    /// <summary>The decision link of the case's supervisor request, read from the dev mailbox table the two hosts share.</summary>
    private static async Task<string> SupervisorLinkAsync(TableClient mailbox, string caseId)
    {
        var key = $"{caseId}:SupervisorRequest:1";
        var text = await Eventually.UntilAsync(
            async () =>
            {
                await foreach (var row in mailbox.QueryAsync<TableEntity>(r => r.GetString("MessageKey") == key))
                {
                    return row.GetString("TextBody");
                }

                return null;
            },
            t => t is not null,
            TimeSpan.FromSeconds(60),
            _ => $"No {key} in the mailbox.",
            TimeSpan.FromMilliseconds(200));
        var link = DecisionLink().Match(text!);
        Assert.True(link.Success, "The supervisor's email has no decision link.");
        return new Uri(link.Value).AbsolutePath;
    }

    [GeneratedRegex(@"https?://\S+/api/decisions/[A-Za-z0-9_.-]+")]
    private static partial Regex DecisionLink();

    private sealed record Posted(string Link, HttpStatusCode Status, string Body);

    private sealed record CaseDto(string CaseId, string Stage, string Status, string? Outcome, List<TimelineDto> Timeline);

    private sealed record TimelineDto(DateTime At, string Step, string Detail);
}
