using System.Net;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The local host runs the EscalateStaleCases scan on its own schedule (Escalation:ScanInterval).</summary>
public sealed class StaleScanServiceTests : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s =>
        {
            s.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(1), deadline: TimeSpan.FromMinutes(2));
            s["Escalation:StaleAfter"] = "00:00:01";
            s["Escalation:ScanInterval"] = "00:00:01";
        },
    };

    [Fact]
    public async Task A_case_waiting_on_a_supervisor_is_escalated_by_the_scheduled_scan_once_a_day()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostCaseAsync(Requests.For("S-1006", "scheduled-1"))).StatusCode);

        await Host.WaitForCaseAsync("scheduled-1", c => c.GetRawText().Contains("Daily stale-case scan", StringComparison.Ordinal), TimeSpan.FromSeconds(40));

        await Task.Delay(2500); // two more scans run the same day
        var digests = Host.Mailbox.All.Where(m => m.Message.Key.StartsWith("stale-digest:", StringComparison.Ordinal)).ToList();
        Assert.Single(digests);
        Assert.Contains("scheduled-1", digests[0].Message.TextBody, StringComparison.Ordinal);
        var body = await Host.Http.GetStringAsync("/api/cases/scheduled-1");
        Assert.Equal(1, body.Split("Daily stale-case scan").Length - 1);
    }
}
