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
public sealed class CasePurgeTests : IAsyncLifetime
{
    private WorkflowTestHost _host = null!;

    // Cases that wait on a supervisor keep waiting for the whole test.
    public async Task InitializeAsync() => _host = await WorkflowTestHost.StartAsync(s =>
    {
        s["Workflow:ReminderInterval"] = "01:00:00";
        s["Workflow:EscalateAfter"] = "02:00:00";
        s["Workflow:SupervisorDeadline"] = "03:00:00";
        s["Retention:CompletedCaseDays"] = "90";
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Closed_cases_older_than_retention_are_purged_and_running_or_newer_cases_are_kept()
    {
        // Oldest: a case still waiting on its supervisor. Then an old closed case, then (later) a newer closed case.
        var running = await _host.StartAsync(Requests.For("S-1005", "purge-running"));
        await _host.WaitForSupervisorEmailedAsync(running);
        var oldClosed = await _host.StartAsync(Requests.For("S-1001", "purge-old"));
        await _host.WaitForClosedAsync(oldClosed);
        await Task.Delay(300);
        var newClosed = await _host.StartAsync(Requests.For("S-1001", "purge-new", office: "bremerton"));
        await _host.WaitForClosedAsync(newClosed);

        // "Now" is 90 days after a moment between the two closed cases' creation: only the older one is past retention.
        var oldCreated = (await _host.Client.GetInstanceAsync(oldClosed))!.CreatedAt;
        var newCreated = (await _host.Client.GetInstanceAsync(newClosed))!.CreatedAt;
        Assert.True(newCreated > oldCreated, $"expected {newClosed} to be created after {oldClosed}");
        var between = oldCreated + ((newCreated - oldCreated) / 2);
        var clock = new FakeTimeProvider(between + TimeSpan.FromDays(90));
        var purge = new CasePurge(_host.Client, _host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), clock, NullLogger<CasePurge>.Instance);

        var report = await purge.PurgeAsync(CancellationToken.None);

        Assert.Equal(between, report.Cutoff);
        Assert.Equal(1, report.Purged);
        Assert.Null(await _host.Client.GetInstanceAsync(oldClosed));
        Assert.Null(await _host.Get.HandleAsync(oldClosed, CancellationToken.None));
        Assert.Equal(nameof(CaseStage.Closed), (await _host.Get.HandleAsync(newClosed, CancellationToken.None))!.Stage);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await _host.Client.GetInstanceAsync(running))!.RuntimeStatus);

        // Zero days (the local host's POST /api/admin/purge?olderThanDays=0): every closed case goes, never a running one.
        var all = await _host.Services.CreateWithClient<CasePurge>(_host.Client).PurgeOlderThanAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(1, all.Purged);
        Assert.Null(await _host.Client.GetInstanceAsync(newClosed));
        var stillWaiting = await _host.Get.HandleAsync(running, CancellationToken.None);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), stillWaiting!.Stage);
    }
}
