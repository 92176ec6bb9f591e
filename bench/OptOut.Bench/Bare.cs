using System.Threading.Channels;
using Microsoft.DurableTask;

namespace OptOut.Bench;

/// <summary>
/// The engine's floor: the same number of activity calls as an opted-out → opted-in case (6 before waiting, 3 after),
/// no-op activities, and one external event — no business logic, no custom status, no continue-as-new.
/// </summary>
internal sealed class BareOrchestrator : TaskOrchestrator<string, int>
{
    public const int Before = 6;
    public const int After = 3;

    public override async Task<int> RunAsync(TaskOrchestrationContext context, string input)
    {
        var sum = 0;
        for (var i = 0; i < Before; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i));
        }

        await context.WaitForExternalEvent<string>("Go");
        for (var i = Before; i < Before + After; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i));
        }

        return sum;
    }
}

internal sealed record NoopInput(string InstanceId, int Step);

internal sealed class NoopActivity(BareSignals signals) : TaskActivity<NoopInput, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, NoopInput input)
    {
        if (input.Step == BareOrchestrator.Before - 1)
        {
            signals.Ready.Writer.TryWrite(input.InstanceId);
        }

        return Task.FromResult(1);
    }
}

internal sealed class BareSignals
{
    public Channel<string> Ready { get; } = Channel.CreateUnbounded<string>();
}
