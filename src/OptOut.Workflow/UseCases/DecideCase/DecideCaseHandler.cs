using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.UseCases.DecideCase;

/// <summary>
/// The emailed decision link: <see cref="InspectAsync"/> checks a token and changes nothing (GET and HEAD, which mail
/// scanners pre-fetch); <see cref="DecideAsync"/> records the supervisor's decision (POST), once per token.
/// </summary>
public sealed class DecideCaseHandler(DurableTaskClient client, DecisionTokens tokens, IDecisionLedger ledger, TimeProvider time, ILogger<DecideCaseHandler> logger)
{
    public const int MaxNote = 1000;

    /// <summary>Checks a decision token without changing anything.</summary>
    public async Task<CommandResult> InspectAsync(string token, CancellationToken cancellationToken) =>
        (await CheckAsync(tokens.Read(token), cancellationToken)).Result;

    /// <summary>Records the decision. Single use per token.</summary>
    public async Task<CommandResult> DecideAsync(string token, DecisionChoice choice, string? note, CancellationToken cancellationToken)
    {
        var info = tokens.Read(token);
        var (check, supervisor) = await CheckAsync(info, cancellationToken);
        if (supervisor is null)
        {
            return check;
        }

        if (!await ledger.TryConsumeAsync(info.TokenId!, info.CaseId!, cancellationToken))
        {
            return new CommandResult(CommandDisposition.Conflict, "This decision link was already used.", check.Case);
        }

        var trimmed = note is { Length: > MaxNote } ? note[..MaxNote] : note;
        await client.RaiseEventAsync(info.CaseId!, WorkflowEvents.SupervisorDecision, new SupervisorDecision(choice, trimmed, supervisor.Name, info.TokenId!, time.GetUtcNow().UtcDateTime), cancellationToken);
        Log.DecisionRecorded(logger, info.CaseId!, choice);
        if (check.Case?.WaitingSince is { } waitingSince)
        {
            // Time to decision, for the operations workbook (docs/operations.md): no personal data, only the choice.
            WorkflowTelemetry.DecisionWait.Record(Math.Max(0, (time.GetUtcNow().UtcDateTime - waitingSince).TotalHours), new KeyValuePair<string, object?>("decision", choice.ToString()));
        }

        return new CommandResult(CommandDisposition.Accepted, "Decision recorded.", check.Case);
    }

    /// <summary>The checks of <see cref="InspectAsync"/>; the case's supervisor only when the link may be used now.</summary>
    private async Task<(CommandResult Result, Contact? Supervisor)> CheckAsync(DecisionTokenInfo info, CancellationToken cancellationToken)
    {
        if (info.State == TokenState.Tampered)
        {
            return (new CommandResult(CommandDisposition.Forbidden, "This decision link is not valid. Use the link exactly as emailed."), null);
        }

        var instance = await CaseReader.ReadAsync(client, info.CaseId!, cancellationToken);
        if (instance is null)
        {
            return (new CommandResult(CommandDisposition.NotFound, "The case for this link no longer exists."), null);
        }

        var view = CaseView.From(instance);
        var run = instance.ReadInputAs<CaseRun>();
        if (run is null || !string.Equals(tokens.SupervisorTag(run.Case.Supervisor.Email), info.SupervisorTag, StringComparison.Ordinal))
        {
            return (new CommandResult(CommandDisposition.Forbidden, "This decision link does not belong to this case's supervisor."), null);
        }

        if (view.IsClosed || view.Decision is not null)
        {
            return (new CommandResult(CommandDisposition.Conflict, view.Decision is not null ? $"A decision was already recorded for case {view.CaseId}: {view.Decision}." : $"Case {view.CaseId} is already closed ({view.Outcome}).", view), null);
        }

        if (info.State == TokenState.Expired)
        {
            return (new CommandResult(CommandDisposition.Gone, "This decision link has expired. Ask the case manager to resend, or use the newest reminder email.", view), null);
        }

        if (view.Stage != nameof(CaseStage.AwaitingSupervisor))
        {
            return (new CommandResult(CommandDisposition.Conflict, $"Case {view.CaseId} is not waiting for a supervisor decision (stage {view.Stage}).", view), null);
        }

        return (new CommandResult(CommandDisposition.Accepted, "Ready for a decision.", view), run.Case.Supervisor);
    }
}
