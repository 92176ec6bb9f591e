using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;
using OptOut.Workflow.Cases;
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
        var purge = new CasePurge(Host.Client, Host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), clock, NullLogger<CasePurge>.Instance);

        var report = await purge.PurgeAsync(CancellationToken.None);

        Assert.Equal(between, report.Cutoff);
        Assert.Equal(1, report.Purged);
        Assert.Null(await Host.Client.GetInstanceAsync(oldClosed));
        Assert.Null(await Host.Get.HandleAsync(oldClosed, CancellationToken.None));
        Assert.Equal(nameof(CaseStage.Closed), (await Host.Get.HandleAsync(newClosed, CancellationToken.None))!.Stage);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await Host.Client.GetInstanceAsync(running))!.RuntimeStatus);

        // Zero days (the local host's POST /api/admin/purge?olderThanDays=0): every closed case goes, never a running one.
        var all = await Host.Services.CreateWithClient<CasePurge>(Host.Client).PurgeOlderThanAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(1, all.Purged);
        Assert.Null(await Host.Client.GetInstanceAsync(newClosed));
        var stillWaiting = await Host.Get.HandleAsync(running, CancellationToken.None);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), stillWaiting!.Stage);
    }
}
