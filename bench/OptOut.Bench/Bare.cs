using System.Threading.Channels;
using Microsoft.DurableTask;

namespace OptOut.Bench;

/// <summary>
/// The engine's floor: the same number of activity calls as an opted-out → opted-in case (6 before waiting, 3 after),
/// no-op activities, and one external event — no business logic, no continue-as-new. Its only custom status is the
/// word "waiting" while it waits, so the benchmark raises its event by the same rule as a supervisor's decision: as
/// soon as the engine has stored that the orchestration waits.
/// </summary>
internal sealed class BareOrchestrator : TaskOrchestrator<string, int>
{
    public const int Before = 6;
    public const int After = 3;
    public const string Waiting = "waiting";

    public override async Task<int> RunAsync(TaskOrchestrationContext context, string input)
    {
        var sum = 0;
        for (var i = 0; i < Before; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i));
        }

        context.SetCustomStatus(Waiting);
        await context.WaitForExternalEvent<string>("Go");
        context.SetCustomStatus(null);
        for (var i = Before; i < Before + After; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i));
        }

        return sum;
    }
}

internal sealed record NoopInput(string InstanceId, int Step);

internal sealed class NoopActivity : TaskActivity<NoopInput, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, NoopInput input) => Task.FromResult(1);
}

/// <summary>Bare orchestrations the engine has stored as waiting for their event.</summary>
internal sealed class BareSignals
{
    public Channel<string> Ready { get; } = Channel.CreateUnbounded<string>();

    public void OnCommitted(DurableTask.Core.OrchestrationState state)
    {
        if (state.OrchestrationStatus == DurableTask.Core.OrchestrationStatus.Running && state.Status?.Trim('"') == BareOrchestrator.Waiting)
        {
            Ready.Writer.TryWrite(state.OrchestrationInstance.InstanceId);
        }
    }
}
