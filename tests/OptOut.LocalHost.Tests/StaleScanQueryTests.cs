using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Operations;
using OptOut.Workflow.Orchestration;

namespace OptOut.LocalHost.Tests;

/// <summary>A local host on the in-memory engine, its MIS behind a <see cref="RecordingMis"/> that tests can make fail.</summary>
public sealed class InMemoryScanHost : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => StaleScanQueryTests.HostOptions(null);
}

/// <summary>The same on the Azure Storage provider against a real Azurite.</summary>
public sealed class AzureStorageScanHost : AzuriteLocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => StaleScanQueryTests.HostOptions(Azurite.ConnectionString);
}

public sealed class InMemoryStaleScanQueryTests(InMemoryScanHost fixture) : StaleScanQueryTests(fixture), IClassFixture<InMemoryScanHost>;

public sealed class AzureStorageStaleScanQueryTests(AzureStorageScanHost fixture) : StaleScanQueryTests(fixture), IClassFixture<AzureStorageScanHost>;

/// <summary>
/// The stale-case scan is an instance query: it runs on both durable engines (they differ, e.g. continue-as-new resets the
/// created time on Azure Storage). One case of each kind is made for real — a supervisor wait, a registration wait, a
/// case whose MIS search keeps failing (retried an hour later, so it sits in SearchingOffice), an instance scheduled to
/// start tomorrow (Pending), an orchestration that crashes, a terminated case — and the scan runs with an injected clock.
/// </summary>
public abstract class StaleScanQueryTests(LocalHostServerFixture fixture)
{
    private LocalHostServer Host => fixture.Host;

    internal static LocalHostServerOptions HostOptions(string? azurite) => new()
    {
        Settings = s =>
        {
            // Nothing moves by itself during the test: reminders, re-checks and activity retries are hours away.
            s.SupervisorWait(TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(10));
            s["Workflow:RegistrationRecheckInterval"] = "06:00:00";
            s["Workflow:RegistrationDeadline"] = "10.00:00:00";
            s["Workflow:RetryMaxAttempts"] = "3";
            s["Workflow:RetryFirstInterval"] = "01:00:00";
            s["Workflow:RetryMaxInterval"] = "01:00:00";
            s["Escalation:StaleAfter"] = "1.00:00:00";
            s["Escalation:RegistrationStaleAfter"] = "1.00:00:00";
            s["Escalation:StuckAfter"] = "01:00:00";
            s["Escalation:PendingAfter"] = "00:10:00";
            s["Escalation:FailureListedFor"] = "7.00:00:00";
            s["Escalation:ScanInterval"] = "1.00:00:00"; // the host's own scan does not run during the test
            if (azurite is not null)
            {
                s["LocalHost:Store"] = "AzureStorage";
                s["LocalHost:AzureStorage:ConnectionString"] = azurite;
            }
        },
        Services = services => services.AddSingleton<IMisGateway>(sp => sp.GetRequiredService<RecordingMis>())
            .AddSingleton(sp => new RecordingMis(sp.GetRequiredService<MisSimulator>())),
    };

    private StaleCaseScanner Scanner(TimeProvider clock) =>
        new(Host.Durable, Host.Services.GetRequiredService<INotifier>(), Host.Services.GetRequiredService<IOptionsMonitor<EscalationOptions>>(), clock, Host.Services.GetRequiredService<ILogger<StaleCaseScanner>>()) { PageSize = 2 };

    private CasePurge Purge(TimeProvider clock) =>
        new(Host.Durable, Host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), Host.Services.GetRequiredService<IOptionsMonitor<EscalationOptions>>(), clock, Host.Services.GetRequiredService<ILogger<CasePurge>>()) { PageSize = 1 };

    private static string Group(string body, string heading)
    {
        var start = body.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"No group '{heading}' in the digest:\n{body}");
        var end = body.IndexOf("== ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? body[start..] : body[start..end];
    }

    [Fact]
    public async Task Every_kind_of_stale_or_failed_case_is_listed_under_its_group_once_a_day_and_failures_are_purged_only_after_being_listed()
    {
        var mis = Host.Services.GetRequiredService<RecordingMis>();

        // Waiting cases first, while the MIS answers.
        var supervisor = await Host.OpenCaseAsync("S-1006", "scan-supervisor");
        var registration = await Host.OpenCaseAsync("S-1003", "scan-registration"); // no WorkSourceWA account
        var terminated = await Host.OpenCaseAsync("S-1005", "scan-terminated");
        var done = await Host.OpenCaseAsync("S-1001", "scan-done");
        await Host.WaitForEmailsRecordedAsync(supervisor);
        await Host.WaitForStageAsync(registration, "AwaitingRegistration");
        await Host.WaitForEmailsRecordedAsync(terminated);
        await Host.WaitForStageAsync(done, "Closed");

        // A case whose MIS search fails: its retry is an hour away, so it sits in SearchingOffice.
        mis.FailNext("search", 1000);
        var stuck = await Host.OpenCaseAsync("S-1002", "scan-stuck");
        await Eventually.UntilAsync(() => Task.FromResult(mis.Calls.Count(c => c.Contains("Bruno Statewide", StringComparison.Ordinal))), n => n >= 2, TimeSpan.FromSeconds(30), n => $"{n} search(es) of the stuck case");
        await Host.WaitForStageAsync(stuck, "SearchingOffice");

        // An orchestration that crashes: a real case's input resumed at a stage that never waits (an unexpected error).
        var source = await Host.Durable.GetInstanceAsync(done, getInputsAndOutputs: true);
        var run = source!.ReadInputAs<CaseRun>()!;
        await Host.Durable.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.Orchestrator, run with { Case = run.Case with { CaseId = "scan-crashed" }, Resume = CaseStage.VerifyingOptIn }, new StartOrchestrationOptions("scan-crashed"));
        await Eventually.UntilAsync(() => Host.Durable.GetInstanceAsync("scan-crashed"), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Failed, TimeSpan.FromSeconds(30), i => $"scan-crashed is {i?.RuntimeStatus}");

        // An instance the engine never starts: a case of a newer orchestrator version than this build, which the worker
        // rejects (versionFailureStrategy Reject) — what a rollback, or a worker that is not running, leaves behind.
        await Host.Durable.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.Orchestrator, run with { Case = run.Case with { CaseId = "scan-pending" } }, new StartOrchestrationOptions("scan-pending") { Version = "999" });

        await Host.Durable.TerminateInstanceAsync(terminated, "operator test");
        await Eventually.UntilAsync(() => Host.Durable.GetInstanceAsync(terminated), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Terminated, TimeSpan.FromSeconds(30), i => $"{terminated} is {i?.RuntimeStatus}");
        Assert.Equal(OrchestrationRuntimeStatus.Pending, (await Host.Durable.GetInstanceAsync("scan-pending"))!.RuntimeStatus);

        // Now: only the crash and the termination need anyone; nothing else has been waiting long enough.
        var now = await Scanner(new FakeTimeProvider(DateTimeOffset.UtcNow)).ScanAsync(CancellationToken.None);
        Assert.Equal(["scan-crashed"], now.Of(StaleKind.RuntimeFailed).Select(c => c.CaseId));
        Assert.Equal([terminated], now.Of(StaleKind.Terminated).Select(c => c.CaseId));
        Assert.DoesNotContain(now.Stale, c => c.Kind is not (StaleKind.RuntimeFailed or StaleKind.Terminated));

        // Two days later: every kind, each case under its own.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));
        var date = clock.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var scan = await Scanner(clock).ScanAsync(CancellationToken.None);

        Assert.Equal([supervisor], scan.Of(StaleKind.AwaitingSupervisor).Select(c => c.CaseId));
        Assert.Equal(["scan-registration"], scan.Of(StaleKind.AwaitingRegistration).Select(c => c.CaseId));
        var stuckCase = Assert.Single(scan.Of(StaleKind.StuckInStep));
        Assert.Equal((stuck, "SearchingOffice"), (stuckCase.CaseId, stuckCase.Stage));
        var pending = Assert.Single(scan.Of(StaleKind.NeverStarted));
        Assert.Equal(("scan-pending", "Alice Inoffice"), (pending.CaseId, pending.ClientName)); // names from the input: no status yet
        Assert.Equal(["scan-crashed"], scan.Of(StaleKind.RuntimeFailed).Select(c => c.CaseId));
        Assert.Equal([terminated], scan.Of(StaleKind.Terminated).Select(c => c.CaseId));
        Assert.DoesNotContain(scan.Stale, c => c.CaseId == done);
        Assert.True(scan.DigestSent);
        Assert.Equal(1, scan.Flagged); // only the supervisor wait listens for the event

        var digest = Host.Mailbox.All.Single(m => m.Message.Key.StartsWith($"stale-digest:{date}:", StringComparison.Ordinal)).Message;
        Assert.Equal("morgan.escalation@example.org", digest.To.Email);
        var body = digest.TextBody;
        Assert.Contains(supervisor, Group(body, "== Waiting on an ESD WIOA supervisor decision"), StringComparison.Ordinal);
        Assert.Contains("scan-registration", Group(body, "== Client has not completed WorkSourceWA registration"), StringComparison.Ordinal);
        Assert.Contains(stuck, Group(body, "== Stuck for more than 1 hour(s)"), StringComparison.Ordinal);
        Assert.Contains("check the MIS gateway health", Group(body, "== Stuck for more than"), StringComparison.Ordinal);
        Assert.Contains("scan-pending", Group(body, "== Accepted but never started"), StringComparison.Ordinal);
        Assert.Contains("scan-crashed", Group(body, "== Runtime failure"), StringComparison.Ordinal);
        Assert.Contains("exception in Application Insights", Group(body, "== Runtime failure"), StringComparison.Ordinal);
        Assert.Contains(terminated, Group(body, "== Terminated by an operator"), StringComparison.Ordinal);
        Assert.DoesNotContain(done, body, StringComparison.Ordinal);
        foreach (var text in new[] { digest.TextBody, digest.HtmlBody, digest.Subject })
        {
            Assert.DoesNotContain("***-**", text, StringComparison.Ordinal);
            foreach (var ssn in Host.Mis.Participants.SelectMany(p => Requests.SsnForms(p.Ssn)))
            {
                Assert.DoesNotContain(ssn, text, StringComparison.Ordinal);
            }
        }

        await Host.WaitForCaseAsync(supervisor, c => c.GetRawText().Contains("Daily stale-case scan", StringComparison.Ordinal));

        // Again the same day: the same cases, so no second digest and no second flag.
        var again = await Scanner(clock).ScanAsync(CancellationToken.None);
        Assert.Equal(scan.Stale.Select(c => (c.CaseId, c.Kind)), again.Stale.Select(c => (c.CaseId, c.Kind)));
        Assert.False(again.DigestSent);
        Assert.Equal(0, again.Flagged);
        Assert.Single(Host.Mailbox.All, m => m.Message.Key.StartsWith($"stale-digest:{date}:", StringComparison.Ordinal));

        // The purge: three days on, with no retention left, the crash and the termination are kept (they stopped less
        // than FailureListedFor ago, so the scan is still listing them); past that they go, running cases never.
        var early = await Purge(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(3))).PurgeOlderThanAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(0, early.FailedPurged);
        Assert.NotNull(await Host.Durable.GetInstanceAsync("scan-crashed"));
        Assert.NotNull(await Host.Durable.GetInstanceAsync(terminated));
        Assert.Null(await Host.Durable.GetInstanceAsync(done)); // completed: retention only

        var late = await Purge(new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8))).PurgeOlderThanAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(2, late.FailedPurged); // page size 1: the query's pages were followed
        Assert.Null(await Host.Durable.GetInstanceAsync("scan-crashed"));
        Assert.Null(await Host.Durable.GetInstanceAsync(terminated));
        foreach (var id in new[] { supervisor, "scan-registration", stuck, "scan-pending" })
        {
            Assert.NotNull(await Host.Durable.GetInstanceAsync(id));
        }
    }
}
