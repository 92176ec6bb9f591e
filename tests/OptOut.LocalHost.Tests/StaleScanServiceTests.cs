using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The local host runs the EscalateStaleCases scan on its own schedule (Escalation:ScanInterval), on the host's clock:
/// a fake one here, at noon UTC (so the day never changes under the test), moved by the test one interval at a time.
/// </summary>
public sealed class StaleScanServiceTests : LocalHostServerFixture
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(12), TimeSpan.Zero));

    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s =>
        {
            s.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(1), deadline: TimeSpan.FromMinutes(2));
            s["Escalation:StaleAfter"] = "00:00:01";
            s["Escalation:ScanInterval"] = "00:10:00";
        },
        Services = s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)),
    };

    [Fact]
    public async Task A_case_waiting_on_a_supervisor_is_escalated_by_the_scheduled_scan_once_a_day()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostCaseAsync(Requests.For("S-1006", "scheduled-1"))).StatusCode);
        await Host.WaitForEmailsRecordedAsync("scheduled-1");

        // First scan of the day: the case is listed, flagged and digested.
        await ScanAsync(1);
        await Host.WaitForCaseAsync("scheduled-1", c => c.GetRawText().Contains("Daily stale-case scan", StringComparison.Ordinal), TimeSpan.FromSeconds(40));

        // Two more scans the same day: no second digest, no second flag.
        await ScanAsync(2);
        await ScanAsync(3);
        var digests = Host.Mailbox.All.Where(m => m.Message.Key.StartsWith("stale-digest:", StringComparison.Ordinal)).ToList();
        Assert.Single(digests);
        Assert.Contains("scheduled-1", digests[0].Message.TextBody, StringComparison.Ordinal);
        var body = await Host.Http.GetStringAsync("/api/cases/scheduled-1");
        Assert.Equal(1, body.Split("Daily stale-case scan").Length - 1);
    }

    /// <summary>Moves the clock one interval and waits for the scan it starts to log its summary (the <paramref name="nth"/> one).</summary>
    private async Task ScanAsync(int nth)
    {
        _clock.Advance(Interval);
        await Eventually.UntilAsync(
            () => Task.FromResult(Host.Logs.Messages.Count(m => m.StartsWith("Stale-case scan ", StringComparison.Ordinal) && m.Contains("scanned", StringComparison.Ordinal))),
            count => count >= nth,
            TimeSpan.FromSeconds(30),
            count => $"scan {nth} did not run ({count} seen)");
    }
}
