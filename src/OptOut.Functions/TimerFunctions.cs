using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using OptOut.Infrastructure.Queues;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Operations;

namespace OptOut.Functions;

/// <summary>
/// Scheduled work: the scan that lists every case needing a person — stale waits, stuck steps, never-started, crashed or
/// terminated cases — in one digest and flags supervisor waits (CRON: app setting EscalationScanSchedule; docs/operations.md),
/// and the purge of closed cases past retention (CRON: PurgeSchedule; age: Retention__CompletedCaseDays).
/// </summary>
public sealed class TimerFunctions(IServiceProvider services)
{
    [Function("EscalateStaleCases")]
    public Task EscalateStaleCases(
        [TimerTrigger("%EscalationScanSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        services.CreateWithClient<StaleCaseScanner>(client).ScanAsync(context.CancellationToken);

    /// <summary>Every 5 minutes: messages the host gave up on leave the poison queue, their SSN masked (docs/intake.md).</summary>
    [Function("SweepPoisonIntake")]
    public Task SweepPoisonIntake(
        [TimerTrigger("0 */5 * * * *")] TimerInfo timer,
        FunctionContext context) =>
        services.GetRequiredService<PoisonQueueSweeper>().SweepAsync(context.CancellationToken);

    [Function("PurgeClosedCases")]
    public Task PurgeClosedCases(
        [TimerTrigger("%PurgeSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        services.CreateWithClient<CasePurge>(client).PurgeAsync(context.CancellationToken);
}
