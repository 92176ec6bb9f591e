using System.Net;

namespace OptOut.LocalHost.Tests;

/// <summary>The local host runs the EscalateStaleCases scan on its own schedule (Escalation:ScanInterval).</summary>
public sealed class StaleScanServiceTests : IAsyncLifetime
{
    private LocalHostInstance _host = null!;

    public async Task InitializeAsync() => _host = await LocalHostInstance.StartAsync(s =>
    {
        s["Workflow:ReminderInterval"] = "00:01:00";
        s["Workflow:EscalateAfter"] = "00:01:00";
        s["Workflow:SupervisorDeadline"] = "00:02:00";
        s["Escalation:StaleAfter"] = "00:00:01";
        s["Escalation:ScanInterval"] = "00:00:01";
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_case_waiting_on_a_supervisor_is_escalated_by_the_scheduled_scan_once_a_day()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _host.Http.PostCaseAsync(Testing.Requests.For("S-1006", "scheduled-1"))).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(40);
        var body = "";
        while (!body.Contains("Daily stale-case scan", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the scheduled scan never escalated the case: {body}");
            await Task.Delay(200);
            body = await _host.Http.GetStringAsync("/api/cases/scheduled-1");
        }

        await Task.Delay(2500); // two more scans run the same day
        var digests = _host.Mailbox.All.Where(m => m.Message.Key.StartsWith("stale-digest:", StringComparison.Ordinal)).ToList();
        Assert.Single(digests);
        Assert.Contains("scheduled-1", digests[0].Message.TextBody, StringComparison.Ordinal);
        body = await _host.Http.GetStringAsync("/api/cases/scheduled-1");
        Assert.Equal(1, body.Split("Daily stale-case scan").Length - 1);
    }
}
