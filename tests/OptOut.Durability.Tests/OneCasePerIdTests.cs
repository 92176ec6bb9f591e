using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using OptOut.Testing;

namespace OptOut.Durability.Tests;

/// <summary>
/// Two instances of the app (two local host processes on one Azurite task hub): the same case id posted to both at once
/// starts one case and sends one supervisor email; reusing the id of a closed case never starts it again.
/// </summary>
public sealed class OneCasePerIdTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string TaskHub = "OneCasePerId";
    private const string CaseId = "two-hosts-1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_same_case_id_posted_to_two_instances_at_once_starts_one_case_and_a_closed_id_is_never_restarted()
    {
        var urls = new[] { $"http://127.0.0.1:{WorkflowTestHost.FreePort()}", $"http://127.0.0.1:{WorkflowTestHost.FreePort()}" };
        await using var a = await StartAsync(urls[0], "instance-a");
        await using var b = await StartAsync(urls[1], "instance-b");
        using var httpA = Client(urls[0]);
        using var httpB = Client(urls[1]);

        // Four identical requests, two to each instance, at once.
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => PostAsync(i % 2 == 0 ? httpA : httpB, Body("Elena", "521-11-0005"))));
        Assert.Equal(1, answers.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(3, answers.Count(s => s == HttpStatusCode.OK));

        // One case, waiting for its supervisor, who was emailed once (a second send of a message key counts an attempt).
        var waiting = await WaitForAsync(httpB, c => c.Stage == "AwaitingSupervisor" && c.Timeline.Any(t => t.Step == "Client emailed"), a, b);
        Assert.Single(waiting.Timeline, t => t.Step == "Received");
        var mail = await MailAsync();
        var request = Assert.Single(mail, m => m.GetString("MessageKey") == $"{CaseId}:SupervisorRequest:1");
        Assert.Equal(1, request.GetInt32("Attempts"));

        // Close it, then reuse the id on either instance: the same request is the closed case (200), another is a
        // conflict (409); neither starts it again.
        using (var withdrawn = await httpA.PostAsync(new Uri($"/api/cases/{CaseId}/withdraw", UriKind.Relative), JsonContent.Create(new { reason = "Test." })))
        {
            Assert.Equal(HttpStatusCode.Accepted, withdrawn.StatusCode);
        }

        var closed = await WaitForAsync(httpA, c => c.Stage == "Closed", a, b);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(httpB, Body("Elena", "521-11-0005")));
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(httpA, Body("Farid", "521-11-0006")));
        var after = await GetAsync(httpA);
        Assert.Equal("Completed", after!.Status);
        Assert.Equal("Withdrawn", after.Outcome);
        Assert.Equal(closed.Timeline.Count, after.Timeline.Count);
        Assert.DoesNotContain(await MailAsync(), m => m.GetString("MessageKey")!.EndsWith(":SupervisorRequest:1", StringComparison.Ordinal) && m.GetInt32("Attempts") != 1);
    }

    private Task<LocalHostProcess> StartAsync(string baseUrl, string workerId) =>
        LocalHostProcess.StartAsync(baseUrl, LocalHostProcess.AzureStorageSettings(baseUrl, azurite.ConnectionString, TaskHub, workerId), TimeSpan.FromSeconds(60));

    private static HttpClient Client(string baseUrl)
    {
        var http = new HttpClient(new OperatorHandler(new HttpClientHandler())) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("x-functions-key", LocalHostProcess.FunctionKey);
        return http;
    }

    private static string Body(string firstName, string ssn) => $$"""
        {
          "caseId": "{{CaseId}}",
          "caseManager": { "name": "Casey Manager", "email": "casey.manager@example.org", "office": "port-angeles" },
          "client": { "firstName": "{{firstName}}", "lastName": "Optout", "phone": "360-555-0105", "email": "client@example.net", "ssn": "{{ssn}}" },
          "reason": "Client wants to enroll in WIOA Adult training."
        }
        """;

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, string body)
    {
        using var response = await http.PostAsync(new Uri("/api/cases", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static async Task<CaseDto?> GetAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri($"/api/cases/{CaseId}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<CaseDto>(Json);
    }

    private static async Task<CaseDto> WaitForAsync(HttpClient http, Func<CaseDto, bool> until, LocalHostProcess a, LocalHostProcess b) =>
        (await Eventually.UntilAsync(
            () => GetAsync(http),
            c => c is not null && until(c),
            TimeSpan.FromSeconds(45),
            c => $"Case {CaseId}: last seen {c?.Stage}/{c?.Status}. Instance A:\n{a.Output}\nInstance B:\n{b.Output}"))!;

    private async Task<List<TableEntity>> MailAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in new TableClient(azurite.ConnectionString, TaskHub + "Mailbox").QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private sealed record CaseDto(string CaseId, string Stage, string Status, string? Outcome, List<TimelineDto> Timeline);

    private sealed record TimelineDto(DateTime At, string Step, string Detail);
}
