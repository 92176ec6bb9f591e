using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Hosting;

namespace OptOut.Functions;

/// <summary>The scheduled scan that escalates cases waiting on a supervisor too long (CRON: app setting EscalationScanSchedule).</summary>
public sealed class TimerFunctions(IServiceProvider services)
{
    [Function("EscalateStaleCases")]
    public Task EscalateStaleCases(
        [TimerTrigger("%EscalationScanSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        services.CreateStaleCaseScanner(client).ScanAsync(context.CancellationToken);
}
