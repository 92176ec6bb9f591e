using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Functions;

/// <summary>
/// Queue intake (optout-intake): the same JSON as POST /api/cases. A message that can never be valid is moved to
/// optout-intake-rejected with the reason (returned through the output binding), so nothing is lost. A transient failure
/// (e.g. storage unavailable) throws: the Functions host retries the message up to host.json's maxDequeueCount and then
/// moves it to optout-intake-poison (see docs/intake.md).
/// </summary>
public sealed class QueueFunctions(IServiceProvider services, ILogger<QueueFunctions> logger)
{
    public const string IntakeQueue = QueueIntake.IntakeQueue;
    public const string RejectedQueue = QueueIntake.RejectedQueue;

    [Function("IntakeFromQueue")]
    [QueueOutput(RejectedQueue)]
    public async Task<string?> IntakeFromQueue(
        [QueueTrigger(IntakeQueue)] string message,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        var outcome = await QueueIntake.ProcessAsync(message, services.CreateWithClient<StartCaseHandler>(client), context.CancellationToken);
        if (outcome.Rejection is null)
        {
            Log.QueueCaseAccepted(logger, outcome.CaseId, outcome.Disposition);
            return null;
        }

        Log.QueueMessageRejected(logger, outcome.Rejection.Reason);
        return outcome.Rejection.ToJson();
    }
}
