using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Operations;

namespace OptOut.Functions;

/// <summary>
/// Scheduled work: the scan that escalates cases waiting on a supervisor too long (CRON: app setting EscalationScanSchedule),
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

    [Function("PurgeClosedCases")]
    public Task PurgeClosedCases(
        [TimerTrigger("%PurgeSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        services.CreateWithClient<CasePurge>(client).PurgeAsync(context.CancellationToken);
}
