using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.UseCases.DecideCase;

/// <summary>
/// The emailed decision link: <see cref="ReadToken"/> checks a token's signature and expiry (no storage);
/// <see cref="InspectAsync"/> checks it against the case and changes nothing (GET and HEAD, which mail scanners
/// pre-fetch); <see cref="DecideAsync"/> records the decision (POST). The first decision of a case wins, on every
/// instance: it is saved in the case's decision record (<see cref="IDecisionRecord"/>) as pending, raised on the case,
/// then marked raised. Any later POST of any link of the case answers Conflict with who decided what and when; one that
/// finds the record still pending raises it again first (an identical event; the case takes the first), so a failure
/// between saving and raising loses nothing and burns no link (docs/email-and-decisions.md).
/// </summary>
public sealed class DecideCaseHandler(DurableTaskClient client, DecisionTokens tokens, IDecisionRecord record, TimeProvider time, ILogger<DecideCaseHandler> logger)
{
    public const int MaxNote = DecisionNote.MaxLength;

    /// <summary>The token's signature and expiry only: cheap, no storage. Lets the endpoint refuse a forged link before reading its body.</summary>
    public DecisionTokenInfo ReadToken(string token) => tokens.Read(token);

    /// <summary>Checks a decision token without changing anything.</summary>
    /// <param name="signedIn">The signed-in person opening the link, if any: they must be the case's supervisor or escalation contact.</param>
    public async Task<CommandResult> InspectAsync(string token, Contact? signedIn, CancellationToken cancellationToken)
    {
        var info = tokens.Read(token);
        var (check, _, _) = await CheckAsync(info, signedIn, cancellationToken);
        if (check.Disposition is CommandDisposition.Forbidden or CommandDisposition.NotFound or CommandDisposition.Unavailable)
        {
            return check;
        }

        // The case's record may be ahead of its status (the event is on its way): a decided case shows who decided.
        RecordedDecision? decided;
        try
        {
            decided = await record.ReadAsync(info.CaseId!, cancellationToken);
        }
        catch (DecisionRecordUnavailableException e)
        {
            Log.DecisionRecordUnavailable(logger, e, info.CaseId!);
            return Unavailable(check.Case);
        }

        return decided is { State: DecisionRecordState.Raised } ? AlreadyDecided(decided, check.Case) : check;
    }

    /// <summary>Records the decision: the first of the case wins; later ones answer Conflict with who decided what and when.</summary>
    /// <param name="signedIn">
    /// The signed-in person posting the form, if any: recorded as the decider, and they must be the case's supervisor or
    /// escalation contact (else Forbidden). Without one, the link's recipient is recorded (mail clients, no sign-in).
    /// </param>
    public async Task<CommandResult> DecideAsync(string token, DecisionChoice choice, string? note, Contact? signedIn, CancellationToken cancellationToken)
    {
        if (DecisionNote.Problem(note) is { } problem)
        {
            return new CommandResult(CommandDisposition.Invalid, problem);
        }

        var info = tokens.Read(token);
        var (check, decider, role) = await CheckAsync(info, signedIn, cancellationToken);
        if (check.Disposition is CommandDisposition.Forbidden or CommandDisposition.NotFound or CommandDisposition.Unavailable)
        {
            return check;
        }

        var caseId = info.CaseId!;
        try
        {
            // A decision already recorded wins over everything this link could say (also over its expiry).
            if (await record.ReadAsync(caseId, cancellationToken) is { } existing)
            {
                return await FollowAsync(existing, info, check.Case, cancellationToken);
            }

            if (decider is null)
            {
                return check;
            }

            var mine = new RecordedDecision(caseId, info.TokenId!, choice, decider.Name, role, time.GetUtcNow(), DecisionNote.Normalize(note), DecisionRecordState.Pending);
            var attempt = await record.TryAddAsync(mine, cancellationToken);
            if (!attempt.Added)
            {
                // Another POST (another link of the case, or this one twice at once) saved its decision first.
                return await FollowAsync(attempt.Current, info, check.Case, cancellationToken);
            }

            if (!await RaiseAsync(mine, cancellationToken))
            {
                return new CommandResult(CommandDisposition.Unavailable, "Your decision was saved but could not be passed on to the case yet. Submit the form again to finish (the page will then say it is recorded); nobody else's decision can replace yours in the meantime.", check.Case, mine);
            }

            Log.DecisionRecorded(logger, caseId, choice, role);
            if (check.Case?.WaitingSince is { } waitingSince)
            {
                // Time to decision, for the operations workbook (docs/operations.md): no personal data, only the choice.
                WorkflowTelemetry.DecisionWait.Record(Math.Max(0, (time.GetUtcNow().UtcDateTime - waitingSince).TotalHours), new KeyValuePair<string, object?>("decision", choice.ToString()));
            }

            return new CommandResult(CommandDisposition.Accepted, "Decision recorded.", check.Case, mine with { State = DecisionRecordState.Raised });
        }
        catch (DecisionRecordUnavailableException e)
        {
            Log.DecisionRecordUnavailable(logger, e, caseId);
            return Unavailable(check.Case);
        }
    }

    /// <summary>
    /// A POST that found the case's decision already saved. A pending one is raised again first, so it is never lost.
    /// Every such POST answers Conflict with who decided what and when: also a repeat of the deciding link (two
    /// concurrent POSTs of one link must not both answer "recorded"); its page says the decision is the one of this link.
    /// </summary>
    private async Task<CommandResult> FollowAsync(RecordedDecision existing, DecisionTokenInfo info, CaseView? view, CancellationToken cancellationToken)
    {
        if (existing.State == DecisionRecordState.Pending && view is not { IsClosed: true })
        {
            // (A case that closed without it, on a deadline or a withdrawal, has nothing left to deliver it to.)
            if (!await RaiseAsync(existing, cancellationToken))
            {
                return new CommandResult(CommandDisposition.Unavailable, "A decision for this case is saved but could not be passed on to the case yet. Try again in a few minutes.", view, existing);
            }
        }

        return AlreadyDecided(existing, view, sameLink: existing.TokenId == info.TokenId);
    }

    /// <summary>Raises the decision's event (identical every time) and marks the record raised. False when the event could not be raised.</summary>
    private async Task<bool> RaiseAsync(RecordedDecision decision, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(decision.CaseId, WorkflowEvents.SupervisorDecision, decision.ToEvent(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.DecisionRaiseFailed(logger, e, decision.CaseId);
            return false;
        }

        try
        {
            await record.MarkRaisedAsync(decision.CaseId, cancellationToken);
        }
        catch (DecisionRecordUnavailableException e)
        {
            // The event is raised; the record stays pending and a later POST raises it once more (harmless: the case takes the first).
            Log.DecisionRecordUnavailable(logger, e, decision.CaseId);
        }

        return true;
    }

    private static CommandResult AlreadyDecided(RecordedDecision decided, CaseView? view, bool sameLink = false) =>
        new(
            CommandDisposition.Conflict,
            sameLink
                ? $"This link's decision for case {decided.CaseId} is already recorded: {decided.Describe()} Nothing else was changed."
                : $"A decision was already recorded for case {decided.CaseId}: {decided.Describe()}",
            view,
            decided);

    private static CommandResult Unavailable(CaseView? view) =>
        new(CommandDisposition.Unavailable, "The decision could not be checked or saved right now: nothing was recorded. Try again in a few minutes.", view);

    /// <summary>
    /// The checks against the case; the person deciding only when the link may be used now. Forbidden and NotFound
    /// come first; a case that is decided, closed, not waiting, or an expired link answer with the case as read.
    /// </summary>
    private async Task<(CommandResult Result, Contact? Decider, DecisionRole Role)> CheckAsync(DecisionTokenInfo info, Contact? signedIn, CancellationToken cancellationToken)
    {
        if (info.State == TokenState.Tampered)
        {
            return (new CommandResult(CommandDisposition.Forbidden, "This decision link is not valid. Use the link exactly as emailed."), null, info.Role);
        }

        Microsoft.DurableTask.Client.OrchestrationMetadata? instance;
        try
        {
            instance = await CaseReader.ReadAsync(client, info.CaseId!, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The durable engine's store could not be read: a 503 page, not a 500.
            Log.DecisionRecordUnavailable(logger, e, info.CaseId!);
            return (Unavailable(null), null, info.Role);
        }

        if (instance is null)
        {
            return (new CommandResult(CommandDisposition.NotFound, "The case for this link no longer exists."), null, info.Role);
        }

        var view = CaseView.From(instance);
        var run = instance.ReadInputAs<CaseRun>();
        var recipient = info.Role == DecisionRole.EscalationContact ? run?.Case.EscalationContact : run?.Case.Supervisor;
        if (recipient is null || !tokens.IsFor(info, recipient.Email))
        {
            return (new CommandResult(CommandDisposition.Forbidden, info.Role == DecisionRole.EscalationContact
                ? "This decision link does not belong to this case's escalation contact."
                : "This decision link does not belong to this case's supervisor."), null, info.Role);
        }

        // Signed in: the decider is the person, who must be the case's supervisor or its escalation contact.
        var role = info.Role;
        if (signedIn is not null)
        {
            if (SameEmail(signedIn.Email, run!.Case.Supervisor.Email))
            {
                role = DecisionRole.Supervisor;
            }
            else if (SameEmail(signedIn.Email, run!.Case.EscalationContact.Email))
            {
                role = DecisionRole.EscalationContact;
            }
            else
            {
                return (new CommandResult(CommandDisposition.Forbidden, $"You are signed in as {signedIn.Email}, who is neither this case's supervisor nor its escalation contact. Sign in as the person the link was emailed to."), null, info.Role);
            }

            recipient = signedIn;
        }

        if (view.IsClosed || view.Decision is not null)
        {
            return (new CommandResult(CommandDisposition.Conflict, view.Decision is not null ? $"A decision was already recorded for case {view.CaseId}: {view.Decision}." : $"Case {view.CaseId} is already closed ({view.Outcome}).", view), null, info.Role);
        }

        if (info.State == TokenState.Expired)
        {
            return (new CommandResult(CommandDisposition.Gone, "This decision link has expired. Ask the case manager to resend, or use the newest reminder email.", view), null, info.Role);
        }

        if (view.Stage != nameof(CaseStage.AwaitingSupervisor))
        {
            return (new CommandResult(CommandDisposition.Conflict, $"Case {view.CaseId} is not waiting for a supervisor decision (stage {view.Stage}).", view), null, info.Role);
        }

        return (new CommandResult(CommandDisposition.Accepted, "Ready for a decision.", view), recipient, role);
    }

    private static bool SameEmail(string? a, string? b) =>
        !string.IsNullOrWhiteSpace(a) && string.Equals(a.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);
}
