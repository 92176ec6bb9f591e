using System.Threading.Channels;
using Microsoft.DurableTask;

namespace OptOut.Bench;

/// <summary>
/// What a bare orchestration runs. <see cref="Floor"/> is the engine's floor as issue 7 defines it: the same number of
/// no-op activity calls as an opted-out → opted-in case and one external event. <see cref="Procedure"/> adds only what
/// 5212PRO requires of the engine, with no business logic: every activity call under a durable retry policy, the wait
/// as a durable timer (the reminder) raced against three event waiters and cancelled when the event wins, and an
/// orchestration input as long as a real case's.
/// </summary>
internal sealed record BareRun(bool Retry, bool Race, string Payload)
{
    public static readonly BareRun Floor = new(false, false, "");

    public bool Procedure => Retry || Race || Payload.Length > 0;

    public static BareRun ProcedureOf(int inputChars) => new(true, true, PayloadOf(inputChars));

    /// <summary>One of the procedure's three engine costs alone ("retry", "race" or "input"), to split that gap.</summary>
    public static BareRun Part(string part, int inputChars) => part switch
    {
        "retry" => new(true, false, ""),
        "race" => new(false, true, ""),
        "input" => new(false, false, PayloadOf(inputChars)),
        _ => throw new ArgumentException($"unknown part {part}: retry, race or input"),
    };

    private static string PayloadOf(int inputChars) => new('x', Math.Max(0, inputChars - 40));
}

/// <summary>
/// The engine's floor (6 activity calls before waiting, 3 after, one event), optionally with what the procedure
/// requires of the engine (<see cref="BareRun"/>). Its only custom status is the word "waiting" while it waits, so the
/// benchmark raises its event by the same rule as a supervisor's decision: as soon as the engine has stored that it waits.
/// </summary>
internal sealed class BareOrchestrator : TaskOrchestrator<BareRun, int>
{
    public const int Before = 6;
    public const int After = 3;
    public const string Waiting = "waiting";

    // Our production retry settings (WorkflowOptions defaults); they cost nothing extra until an activity fails.
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(5)));

    public override async Task<int> RunAsync(TaskOrchestrationContext context, BareRun input)
    {
        var options = input.Retry ? Retry : null;
        var sum = 0;
        for (var i = 0; i < Before; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i), options);
        }

        context.SetCustomStatus(Waiting);
        if (input.Race)
        {
            using var cts = new CancellationTokenSource();
            var go = context.WaitForExternalEvent<string>("Go", cts.Token);
            var withdraw = context.WaitForExternalEvent<string>("Withdraw", cts.Token);
            var flag = context.WaitForExternalEvent<string>("Flag", cts.Token);
            var reminder = context.CreateTimer(context.CurrentUtcDateTime.AddDays(1), cts.Token);
            await Task.WhenAny(go, withdraw, flag, reminder);
            cts.Cancel(); // the losing timer and waiters, as our orchestrator does
        }
        else
        {
            await context.WaitForExternalEvent<string>("Go");
        }

        context.SetCustomStatus(null);
        for (var i = Before; i < Before + After; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(NoopActivity), new NoopInput(context.InstanceId, i), options);
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
