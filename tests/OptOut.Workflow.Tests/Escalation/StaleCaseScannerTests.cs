using OptOut.Workflow.Access;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.DevTools.Email;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;

namespace OptOut.Workflow.Tests.Escalation;

/// <summary>
/// The scheduled EscalateStaleCases scan on the in-process engine. The workflow's own reminders and escalation are
/// pushed an hour out so only the scan acts; the scan's clock is a FakeTimeProvider at noon UTC tomorrow (past
/// StaleAfter = 1 s for every case the test opens, and never near midnight), so no test sleeps and "the same day" is
/// exact whenever the tests run.
/// </summary>
public sealed class StaleCaseScannerTests : EngineFixture
{
    protected override void Settings(Dictionary<string, string?> settings)
    {
        settings.SupervisorWait(TimeSpan.FromHours(1), escalateAfter: TimeSpan.FromHours(1), deadline: TimeSpan.FromHours(2));
        settings["Escalation:StaleAfter"] = "00:00:01";
    }

    private StaleCaseScanner Scanner(TimeProvider time, int pageSize = StaleCaseScanner.DefaultPageSize) =>
        new(Host.Client, Host.Services.GetRequiredService<INotifier>(), Host.Services.GetRequiredService<IOptionsMonitor<EscalationOptions>>(), time, Host.Services.GetRequiredService<ILogger<StaleCaseScanner>>())
        {
            PageSize = pageSize,
        };

    /// <summary>Noon UTC tomorrow: later than any case a test opens, and hours from a change of date either way.</summary>
    private static FakeTimeProvider Noon() => new(new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(12), TimeSpan.Zero));

    private static bool IsScanEntry(TimelineView t) => t.Step == "Escalated" && t.Detail.StartsWith("Daily stale-case scan", StringComparison.Ordinal);

    private IReadOnlyList<StoredEmail> Digests() => [.. Host.Mailbox.All.Where(m => m.Message.Key.StartsWith("stale-digest:", StringComparison.Ordinal))];

    [Fact]
    public async Task Waiting_cases_get_one_digest_and_one_timeline_entry_per_day_and_a_rescan_the_same_day_does_nothing()
    {
        var a = await Host.StartAsync(Requests.For("S-1005", "stale-a"));
        var b = await Host.StartAsync(Requests.For("S-1006", "stale-b"));
        var closed = await Host.StartAsync(Requests.For("S-1001", "stale-closed"));
        await Host.WaitUntilWaitingAsync(a);
        await Host.WaitUntilWaitingAsync(b);
        await Host.WaitForClosedAsync(closed);

        var clock = Noon();
        var today = clock.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var first = await Scanner(clock).ScanAsync(CancellationToken.None);

        Assert.Equal(today, first.Date);
        Assert.True(first.DigestSent);
        Assert.Equal(["stale-a", "stale-b"], first.Escalated.Select(c => c.CaseId).Order(StringComparer.Ordinal));
        var digest = Assert.Single(Digests());
        Assert.Equal("morgan.escalation@example.org", digest.Message.To.Email);
        Assert.Contains("stale-a", digest.Message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Farid Staysout", digest.Message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("stale-closed", digest.Message.TextBody, StringComparison.Ordinal);

        var viewA = await Host.WaitForAsync(a, v => v.Timeline.Any(IsScanEntry));
        var viewB = await Host.WaitForAsync(b, v => v.Timeline.Any(IsScanEntry));
        Assert.Single(viewA.Timeline, IsScanEntry);
        Assert.Single(viewB.Timeline, IsScanEntry);
        Assert.Contains("Morgan Escalation", viewA.Timeline.Single(IsScanEntry).Detail, StringComparison.Ordinal);

        // Again the same day: the same cases are found, but nothing new is sent and no entry is added.
        var second = await Scanner(clock).ScanAsync(CancellationToken.None);
        Assert.Equal(2, second.Escalated.Count);
        Assert.Equal(0, second.Flagged);
        Assert.False(second.DigestSent);
        Assert.Single(Digests());
        // The scan raises its events before it returns: the engine's client has recorded every event sent to each case
        // (one, from the first scan). The orchestrator would ignore a second flag of the same date, so the timeline
        // alone could not show one.
        Assert.Single(Host.Durable.For(a), r => r.Kind == "send:EventRaised");
        Assert.Single(Host.Durable.For(b), r => r.Kind == "send:EventRaised");
        Assert.Single((await Host.Get.HandleAsync(Caller.System, a, CancellationToken.None))!.Timeline, IsScanEntry);
        Assert.Single((await Host.Get.HandleAsync(Caller.System, b, CancellationToken.None))!.Timeline, IsScanEntry);

        // The next day both are still waiting: one new digest, one more entry each.
        clock.Advance(TimeSpan.FromDays(1));
        var nextDay = await Scanner(clock).ScanAsync(CancellationToken.None);
        Assert.Equal(2, nextDay.Escalated.Count);
        Assert.Equal(2, Digests().Count);
        await Host.WaitForAsync(a, v => v.Timeline.Count(IsScanEntry) == 2);
        await Host.WaitForAsync(b, v => v.Timeline.Count(IsScanEntry) == 2);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), (await Host.Get.HandleAsync(Caller.System, a, CancellationToken.None))!.Stage);
    }

    [Fact]
    public async Task A_case_that_turns_stale_later_the_same_day_gets_its_own_digest()
    {
        var a = await Host.StartAsync(Requests.For("S-1005", "later-a"));
        await Host.WaitUntilWaitingAsync(a);
        var clock = Noon();
        Assert.Single((await Scanner(clock).ScanAsync(CancellationToken.None)).Escalated);
        await Host.WaitForAsync(a, v => v.Timeline.Any(IsScanEntry));

        var b = await Host.StartAsync(Requests.For("S-1006", "later-b"));
        await Host.WaitUntilWaitingAsync(b);
        clock.Advance(TimeSpan.FromSeconds(30));
        var later = await Scanner(clock).ScanAsync(CancellationToken.None);

        Assert.Equal(["later-a", "later-b"], later.Escalated.Select(c => c.CaseId));
        Assert.Equal(1, later.Flagged); // later-a was flagged today already
        Assert.True(later.DigestSent);
        Assert.Equal(2, Digests().Count);
    }

    [Fact]
    public async Task The_scan_pages_through_instance_queries_and_never_loads_history()
    {
        var ids = new[] { "page-1", "page-2", "page-3" };
        foreach (var (id, seeker) in ids.Zip(["S-1005", "S-1006", "S-1007"]))
        {
            await Host.StartAsync(Requests.For(seeker, id));
        }

        var done = await Host.StartAsync(Requests.For("S-1002", "page-closed"));
        foreach (var id in ids)
        {
            await Host.WaitUntilWaitingAsync(id);
        }

        await Host.WaitForClosedAsync(done);
        Host.Durable.Reads.Clear();

        var result = await Scanner(Noon(), pageSize: 2).ScanAsync(CancellationToken.None);

        Assert.Equal(ids, result.Escalated.Select(c => c.CaseId).Order(StringComparer.Ordinal));
        Assert.Equal(3, result.Scanned); // Completed instances are never queried
        var reads = Host.Durable.Reads.ToList();
        Assert.True(reads.Count >= 2, string.Join(", ", reads));
        Assert.All(reads, r => Assert.StartsWith("query:pageSize=2:", r, StringComparison.Ordinal));
        Assert.Contains(reads, r => r.EndsWith(":continued=True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_waiting_time_comes_from_the_case_status_not_the_instance_creation_time()
    {
        // Continue-as-new restarts an instance's CreatedAt at every reminder; WaitingSince in the custom status does not.
        var a = await Host.StartAsync(Requests.For("S-1005", "since-a"));
        var waiting = await Host.WaitForSupervisorEmailedAsync(a);
        Assert.NotNull(waiting.WaitingSince);

        var justBefore = new FakeTimeProvider(new DateTimeOffset(DateTime.SpecifyKind(waiting.WaitingSince!.Value, DateTimeKind.Utc)).AddMilliseconds(500));
        Assert.Empty((await Scanner(justBefore).ScanAsync(CancellationToken.None)).Escalated);

        var after = new FakeTimeProvider(new DateTimeOffset(DateTime.SpecifyKind(waiting.WaitingSince!.Value, DateTimeKind.Utc)).AddSeconds(2));
        Assert.Single((await Scanner(after).ScanAsync(CancellationToken.None)).Escalated);
    }
}
