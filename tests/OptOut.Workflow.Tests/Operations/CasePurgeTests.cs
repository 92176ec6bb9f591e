using OptOut.Workflow.Access;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.DurableTask;
using NSubstitute;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Operations;

namespace OptOut.Workflow.Tests.Operations;

/// <summary>The retention purge on the in-process durable engine: real instances, real purge-by-filter.</summary>
public sealed class CasePurgeTests : EngineFixture
{
    // Cases that wait on a supervisor keep waiting for the whole test.
    protected override void Settings(Dictionary<string, string?> settings)
    {
        settings.SupervisorWait(TimeSpan.FromHours(1), escalateAfter: TimeSpan.FromHours(2), deadline: TimeSpan.FromHours(3));
        settings["Retention:CompletedCaseDays"] = "90";
    }

    [Fact]
    public async Task Closed_cases_older_than_retention_are_purged_and_running_or_newer_cases_are_kept()
    {
        // Oldest: a case still waiting on its supervisor. Then an old closed case, then (later) a newer closed case.
        var running = await Host.StartAsync(Requests.For("S-1005", "purge-running"));
        await Host.WaitForSupervisorEmailedAsync(running);
        var oldClosed = await Host.StartAsync(Requests.For("S-1001", "purge-old"));
        await Host.WaitForClosedAsync(oldClosed);
        await Task.Delay(300);
        var newClosed = await Host.StartAsync(Requests.For("S-1001", "purge-new", office: "bremerton"));
        await Host.WaitForClosedAsync(newClosed);

        // "Now" is 90 days after a moment between the two closed cases' creation: only the older one is past retention.
        var oldCreated = (await Host.Client.GetInstanceAsync(oldClosed))!.CreatedAt;
        var newCreated = (await Host.Client.GetInstanceAsync(newClosed))!.CreatedAt;
        Assert.True(newCreated > oldCreated, $"expected {newClosed} to be created after {oldClosed}");
        var between = oldCreated + ((newCreated - oldCreated) / 2);
        var clock = new FakeTimeProvider(between + TimeSpan.FromDays(90));
        var purge = new CasePurge(Host.Client, Host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), Host.Services.GetRequiredService<IOptionsMonitor<EscalationOptions>>(), clock, NullLogger<CasePurge>.Instance);

        var report = await purge.PurgeAsync(CancellationToken.None);

        Assert.Equal(between, report.Cutoff);
        Assert.Equal(1, report.Purged);
        Assert.Null(await Host.Client.GetInstanceAsync(oldClosed));
        Assert.Null(await Host.Get.HandleAsync(Caller.System, oldClosed, CancellationToken.None));
        Assert.Equal(nameof(CaseStage.Closed), (await Host.Get.HandleAsync(Caller.System, newClosed, CancellationToken.None))!.Stage);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await Host.Client.GetInstanceAsync(running))!.RuntimeStatus);

        // Zero days (the local host's POST /api/admin/purge?olderThanDays=0): every closed case goes, never a running one.
        var all = await Host.Services.CreateWithClient<CasePurge>(Host.Client).PurgeOlderThanAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(1, all.Purged);
        Assert.Null(await Host.Client.GetInstanceAsync(newClosed));
        var stillWaiting = await Host.Get.HandleAsync(Caller.System, running, CancellationToken.None);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), stillWaiting!.Stage);
    }

    [Fact]
    public async Task The_completed_purge_repeats_while_the_provider_reports_more_batches_and_failed_instances_are_purged_one_by_one_after_their_listing()
    {
        var now = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
        var client = Substitute.For<DurableTaskClient>("batches");
        client.PurgeAllInstancesAsync(Arg.Any<PurgeInstancesFilter>(), Arg.Any<CancellationToken>())
            .Returns(new PurgeResult(100, false), new PurgeResult(100, false), new PurgeResult(7, true), new PurgeResult(99, true));
        // Failed/Terminated created before the cutoff: one stopped long ago (purged), one within FailureListedFor (kept).
        var old = new OrchestrationMetadata("OptOutCaseOrchestrator", "crashed-long-ago") { RuntimeStatus = OrchestrationRuntimeStatus.Failed, CreatedAt = now.AddDays(-100), LastUpdatedAt = now.AddDays(-60) };
        var recent = new OrchestrationMetadata("OptOutCaseOrchestrator", "terminated-yesterday") { RuntimeStatus = OrchestrationRuntimeStatus.Terminated, CreatedAt = now.AddDays(-95), LastUpdatedAt = now.AddDays(-1) };
        client.GetAllInstancesAsync(Arg.Any<OrchestrationQuery>()).Returns(Pageable.Create((string? _, int? _, CancellationToken _) =>
            Task.FromResult(new Page<OrchestrationMetadata>([old, recent], null))));
        client.PurgeInstanceAsync("crashed-long-ago", Arg.Any<CancellationToken>()).Returns(new PurgeResult(1));
        var escalation = Substitute.For<IOptionsMonitor<EscalationOptions>>();
        escalation.CurrentValue.Returns(new EscalationOptions { FailureListedFor = TimeSpan.FromDays(7) });

        var report = await new CasePurge(client, Host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), escalation, new FakeTimeProvider(now), NullLogger<CasePurge>.Instance)
            .PurgeAsync(CancellationToken.None);

        Assert.Equal(207 + 1, report.Purged); // three batches until the provider said done, never a fourth; then one failed instance
        Assert.Equal(1, report.FailedPurged);
        await client.Received(3).PurgeAllInstancesAsync(Arg.Is<PurgeInstancesFilter>(f => f.CreatedTo == now.AddDays(-90) && f.Statuses!.SequenceEqual(new[] { OrchestrationRuntimeStatus.Completed })), Arg.Any<CancellationToken>());
        await client.Received(1).PurgeInstanceAsync("crashed-long-ago", Arg.Any<CancellationToken>());
        await client.DidNotReceive().PurgeInstanceAsync("terminated-yesterday", Arg.Any<CancellationToken>());
        client.Received().GetAllInstancesAsync(Arg.Is<OrchestrationQuery>(q => q.CreatedTo == now.AddDays(-90) && q.Statuses!.Contains(OrchestrationRuntimeStatus.Failed) && q.Statuses!.Contains(OrchestrationRuntimeStatus.Terminated) && !q.Statuses!.Contains(OrchestrationRuntimeStatus.Running)));
    }
}
