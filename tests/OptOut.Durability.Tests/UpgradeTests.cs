using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using OptOut.Testing;
using Xunit.Abstractions;

namespace OptOut.Durability.Tests;

/// <summary>
/// A deploy while cases wait, on the Azure Storage provider (Azurite), with the local host as separate processes: a
/// case started by version 1 is carried on by a host running version 2 on version 1's path, a case started by version 2
/// takes the new path, and a host still on version 1 leaves a version-2 case untouched (Reject) until version 2 runs
/// again. Version 2's change is what it carries across continue-as-new: no encrypted SSN (docs/orchestrator-versioning.md).
/// </summary>
public sealed class UpgradeTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string TaskHub = "UpgradeTest";
    private const string OldCase = "upgrade-started-by-v1";
    private const string NewCase = "upgrade-started-by-v2";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Cases_waiting_across_a_deploy_finish_on_the_path_of_the_version_that_started_them()
    {
        var baseUrl = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        using var http = new HttpClient(new OperatorHandler(new HttpClientHandler())) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Add("x-functions-key", LocalHostProcess.FunctionKey);
        var instances = new TableClient(azurite.ConnectionString, TaskHub + "Instances");

        // 1. Version 1 is deployed: a case starts and waits for its supervisor.
        await using (var v1 = await StartAsync(baseUrl, "1"))
        {
            await OpenAsync(http, OldCase, "S-1005");
            await WaitForAsync(http, OldCase, c => c.Stage == "AwaitingSupervisor" && c.Timeline.Any(t => t.Step == "Client emailed"), v1);
            await v1.StopAsync();
        }

        // 2. Version 2 is deployed on the same storage. The waiting case goes on (its reminder continues it as new) on
        //    version 1's path; a new case starts on version 2 and takes the new path at its own reminder.
        await using (var v2 = await StartAsync(baseUrl, "2"))
        {
            await OpenAsync(http, NewCase, "S-1006");
            await WaitForAsync(http, OldCase, c => c.Timeline.Any(t => t.Step == "Reminder sent"), v2);
            await WaitForAsync(http, NewCase, c => c.Timeline.Any(t => t.Step == "Reminder sent"), v2);

            var old = await InstanceAsync(instances, OldCase);
            var current = await InstanceAsync(instances, NewCase);
            Assert.Equal("1", old.Version);
            Assert.Equal("2", current.Version);
            Assert.NotEqual("", ProtectedSsn(old.Input)); // version 1 carries the encrypted SSN into every execution
            Assert.Equal("", ProtectedSsn(current.Input)); // version 2 does not, once the lookup is done
            await v2.StopAsync();
        }

        // 3. A host still on version 1 (a slot not yet swapped, a rollback) must not touch the version-2 case: the
        //    withdrawal is accepted, but its worker rejects the work item and leaves the case as it is.
        await using (var v1Again = await StartAsync(baseUrl, "1"))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await WithdrawAsync(http, NewCase)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await WithdrawAsync(http, OldCase)).StatusCode);
            var oldClosed = await WaitForAsync(http, OldCase, c => c.Stage == "Closed", v1Again);
            Assert.Equal("Withdrawn", oldClosed.Outcome);

            await Eventually.UntilAsync(
                () => Task.FromResult(v1Again.Output.Contains("is greater than the worker version '1'", StringComparison.Ordinal)),
                seen => seen,
                TimeSpan.FromSeconds(30),
                _ => $"The version-1 worker never rejected the version-2 case. Output:\n{v1Again.Output}");
            var untouched = await GetAsync(http, NewCase);
            Assert.Equal("AwaitingSupervisor", untouched!.Stage);
            Assert.Equal("Running", untouched.Status);
            await v1Again.StopAsync();
        }

        // 4. Version 2 again: the withdrawal that version 1 left alone is taken and the case closes. The provider
        //    redelivers the rejected message once its visibility timeout has passed.
        await using (var v2Again = await StartAsync(baseUrl, "2"))
        {
            var started = DateTime.UtcNow;
            var closed = await WaitForAsync(http, NewCase, c => c.Stage == "Closed", v2Again, TimeSpan.FromSeconds(90));
            output.WriteLine($"closed {(DateTime.UtcNow - started).TotalSeconds:0} s after version 2 came back");
            Assert.Equal("Withdrawn", closed.Outcome);
            Assert.Equal("Completed", closed.Status);
        }
    }

    private Task<LocalHostProcess> StartAsync(string baseUrl, string version)
    {
        output.WriteLine($"starting a host on orchestration version {version}");
        return LocalHostProcess.StartAsync(
            baseUrl,
            LocalHostProcess.AzureStorageSettings(baseUrl, azurite.ConnectionString, TaskHub, extra: new Dictionary<string, string>
            {
                ["Workflow__OrchestrationVersion"] = version,
                // The local engine cannot hand back a message it rejects: it reappears after this (production: at once).
                ["LocalHost__AzureStorage__ControlQueueVisibilityTimeout"] = "00:00:15",
                // One reminder after 3 s (a continue-as-new); nothing else fires during the test.
                ["Workflow__ReminderInterval"] = "00:00:03",
                ["Workflow__MaxReminders"] = "1",
            }),
            TimeSpan.FromSeconds(60));
    }

    private static async Task OpenAsync(HttpClient http, string caseId, string seekerId)
    {
        var (first, last, phone, ssn) = seekerId == "S-1005"
            ? ("Elena", "Optout", "360-555-0105", "521-11-0005")
            : ("Farid", "Staysout", "360-555-0106", "521-11-0006");
        var body = $$"""
            {
              "caseId": "{{caseId}}",
              "caseManager": { "name": "Casey Manager", "email": "casey.manager@example.org", "office": "port-angeles" },
              "client": { "firstName": "{{first}}", "lastName": "{{last}}", "phone": "{{phone}}", "email": "client@example.net", "ssn": "{{ssn}}" },
              "reason": "Client wants to enroll in WIOA Adult training."
            }
            """;
        using var created = await http.PostAsync(new Uri("/api/cases", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
    }

    private static Task<HttpResponseMessage> WithdrawAsync(HttpClient http, string caseId) =>
        http.PostAsync(new Uri($"/api/cases/{caseId}/withdraw", UriKind.Relative), JsonContent.Create(new { reason = "Upgrade test." }));

    private static async Task<CaseDto?> GetAsync(HttpClient http, string caseId)
    {
        using var response = await http.GetAsync(new Uri($"/api/cases/{caseId}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<CaseDto>(Json);
    }

    private static async Task<CaseDto> WaitForAsync(HttpClient http, string caseId, Func<CaseDto, bool> until, LocalHostProcess host, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            () => GetAsync(http, caseId),
            c => c is not null && until(c),
            timeout ?? TimeSpan.FromSeconds(45),
            c => $"Case {caseId}: last seen {c?.Stage}/{c?.Status}, steps {string.Join(" | ", c?.Timeline.Select(t => t.Step) ?? [])}. Host output:\n{host.Output}"))!;

    /// <summary>The instance's current execution as the Azure Storage provider keeps it: its version and input.</summary>
    private static async Task<(string Version, string Input)> InstanceAsync(TableClient instances, string caseId)
    {
        var row = (await instances.GetEntityAsync<TableEntity>(caseId, "")).Value;
        return (row.GetString("Version") ?? "", row.GetString("Input") ?? "");
    }

    private static string ProtectedSsn(string input)
    {
        using var doc = JsonDocument.Parse(input);
        return doc.RootElement.GetProperty("Case").GetProperty("Client").GetProperty("ProtectedSsn").GetString()!;
    }

    private sealed record CaseDto(string CaseId, string Stage, string Status, string? Outcome, List<TimelineDto> Timeline);

    private sealed record TimelineDto(DateTime At, string Step, string Detail);
}
