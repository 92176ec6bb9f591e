using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Orchestration;

/// <summary>Names under which the orchestrator and activities are registered (Durable Task registry and Azure Functions alike).</summary>
public static class WorkflowNames
{
    public const string Orchestrator = nameof(OptOutCaseOrchestrator);
    public const string Search = nameof(SearchSeekerActivity);
    public const string AddToOffice = nameof(AddSeekerToOfficeActivity);
    public const string OptOutLookup = nameof(OptOutLookupActivity);
    public const string Notify = nameof(SendNotificationActivity);
}

/// <summary>
/// One durable orchestration per case, running 5212PRO. Deterministic: time only from the context, no I/O (all MIS and
/// email work happens in activities), every losing timer cancelled. Waiting stages continue-as-new after each timer so
/// the history stays bounded however many reminders or registration re-checks a case goes through.
/// </summary>
public sealed class OptOutCaseOrchestrator : TaskOrchestrator<CaseRun, CaseResult>
{
    public override Task<CaseResult> RunAsync(TaskOrchestrationContext context, CaseRun input) =>
        new CaseFlow(context, input ?? throw new ArgumentNullException(nameof(input))).RunAsync();
}

internal sealed class CaseFlow
{
    private readonly TaskOrchestrationContext _ctx;
    private readonly CaseInput _case;
    private readonly CaseParties _parties;
    private readonly CaseStatus _status;
    private readonly CaseStage? _resume;
    private readonly TaskOptions _retry;

    public CaseFlow(TaskOrchestrationContext context, CaseRun run)
    {
        _ctx = context;
        _case = run.Case;
        _parties = CaseParties.Of(run.Case);
        _status = run.Status ?? CaseStatus.For(run.Case);
        _resume = run.Resume;
        var r = run.Case.Policy.Retry;
        _retry = TaskOptions.FromRetryPolicy(new RetryPolicy(r.MaxAttempts, r.FirstRetryInterval, r.BackoffCoefficient, r.MaxRetryInterval));
    }

    private DateTime Now => _ctx.CurrentUtcDateTime;

    private WorkflowPolicy Policy => _case.Policy;

    public async Task<CaseResult> RunAsync()
    {
        if (_resume is { } stage)
        {
            // Custom status does not carry across continue-as-new: publish it again for the new execution. Only now does
            // the case show a waiting stage, so decisions and withdrawals (accepted only at waiting stages) reach an
            // execution that listens for them.
            _status.Stage = stage;
            _ctx.SetCustomStatus(_status);
        }

        try
        {
            return _resume switch
            {
                null => await BeginAsync(),
                CaseStage.AwaitingRegistration => await AwaitRegistrationAsync(),
                CaseStage.AwaitingSupervisor => await AwaitSupervisorAsync(),
                _ => throw new InvalidOperationException($"Cannot resume a case at stage {_resume}."),
            };
        }
        catch (TaskFailedException failure)
        {
            var detail = $"{failure.TaskName} did not succeed after retries: {failure.FailureDetails?.ErrorMessage ?? failure.Message}";
            return await CloseAsync(CaseOutcome.Failed, detail);
        }
    }

    // Steps 1-3 of the procedure, up to the point where the case waits on someone.
    private async Task<CaseResult> BeginAsync()
    {
        var cm = _case.CaseManager;
        Record(CaseStage.Received, "Received", $"Case opened by {cm.Name} for office {cm.Office} (via {_case.Source}). Client {_case.Client.FullName}, SSN {_case.Client.SsnMasked}.");

        // Both searches are read-only name and phone queries, so the statewide search is sent together with the office
        // Quick Search (one orchestrator step instead of two); its result is only used when the office search misses, as
        // the procedure's order requires. When the office search finds the client, the statewide result is still
        // collected (no activity outlives the case) and its failure does not matter.
        Record(CaseStage.SearchingOffice, "Office Quick Search", $"Searching MIS in office {cm.Office}.");
        var officeSearch = SearchAsync(cm.Office);
        var statewideSearch = SearchAsync(office: null);
        var inOffice = await officeSearch;
        if (inOffice.Found)
        {
            await SettledAsync(statewideSearch);
            return await CloseAsync(CaseOutcome.AlreadyInOffice, $"Quick Search found the client in office {cm.Office} (seeker {inOffice.SeekerId}).");
        }

        Record(CaseStage.SearchingStatewide, "Statewide search", "Not in the office; searching all participants (in: WorkSource).");
        var statewide = await statewideSearch;
        if (statewide.Found)
        {
            return await AddToOfficeAndCloseAsync(statewide.SeekerId!, CaseOutcome.AddedFromStatewide, "Found statewide");
        }

        if (_case.Client.HasWorkSourceAccount == false)
        {
            return await StartRegistrationAsync();
        }

        Record(CaseStage.CheckingOptOut, "Opt-Out Lookup", $"Registered but not found; Opt-Out Lookup by SSN {_case.Client.SsnMasked}.");
        var lookup = await _ctx.CallActivityAsync<OptOutLookupResult>(WorkflowNames.OptOutLookup, new OptOutLookupRequest(_case.CaseId, _case.Client.ProtectedSsn), _retry);
        if (!lookup.OptedOut)
        {
            return await CloseAsync(
                CaseOutcome.NotOptedOutNeedsReview,
                _case.Client.HasWorkSourceAccount == true
                    ? "The Opt-Out Lookup does not show the client as opted out, yet MIS search cannot find them."
                    : "The Opt-Out Lookup does not show the client as opted out and MIS search cannot find them; they may not have registered yet.");
        }

        Record(CaseStage.CheckingOptOut, "Opted out", $"The Opt-Out Lookup report shows {lookup.LastName}, {lookup.FirstName}: the client has opted out of data sharing.");

        // The case waits for the supervisor from the moment the request email is scheduled: the stage is published in
        // the step that schedules the emails, so the emailed link already works when the email lands (the supervisor
        // can open it before the other two emails are sent). A decision or withdrawal that arrives while the emails are
        // in flight is buffered by the SDK and taken by the waiter AwaitSupervisorAsync creates in this execution.
        // The three emails do not depend on one another, so they go out together (one orchestrator step instead of three).
        // Before version 3, any of them failing after its retries closes the case as Failed (the case manager is told
        // why); from version 3 on, only the supervisor's request does: the wait needs nothing else (SettleStepEmailsAsync).
        _status.WaitingSince = Now;
        _status.Stage = CaseStage.AwaitingSupervisor;
        Publish();
        var hasClientEmail = !string.IsNullOrWhiteSpace(_case.Client.Email);
        var supervisor = NotifyAsync(NotificationKind.SupervisorRequest);
        Task client = hasClientEmail ? NotifyAsync(NotificationKind.ClientContactSupervisor) : Task.CompletedTask;
        var caseManager = NotifyAsync(
            NotificationKind.CaseManagerUpdate,
            detail: $"the client has opted out of data sharing. ESD WIOA supervisor {_case.Supervisor.Name} ({_case.Supervisor.Email}) is being emailed."
                + (hasClientEmail ? " The client is being emailed and asked to contact the supervisor." : " The client has no email address on the case: please ask the client to contact the supervisor."));
        var (clientFailure, caseManagerFailure) = await SettleStepEmailsAsync(supervisor, client, caseManager);
        Record(CaseStage.AwaitingSupervisor, "Supervisor emailed", $"ESD WIOA supervisor {_case.Supervisor.Name} asked to help the client opt in (client name, phone and reason included).");
        if (hasClientEmail && clientFailure is null)
        {
            Record(CaseStage.AwaitingSupervisor, "Client emailed", "Client asked to contact the ESD WIOA supervisor to opt in.");
        }

        var askClient = $"Please ask the client to contact ESD WIOA supervisor {_case.Supervisor.Name} ({_case.Supervisor.Email}) to opt in.";
        if (clientFailure is not null)
        {
            Record(CaseStage.AwaitingSupervisor, TimelineSteps.ClientEmailFailed, $"The client could not be emailed ({clientFailure}). {askClient}");
            if (caseManagerFailure is null)
            {
                // The case manager's first email said the client was being emailed: tell them it did not go.
                caseManagerFailure = await FailureOf(NotifyAsync(NotificationKind.CaseManagerUpdate, attempt: 2, detail: $"the client could not be emailed. {askClient}"));
            }
        }

        RecordCaseManagerEmailFailed(caseManagerFailure);
        return await WaitAsync(CaseStage.AwaitingSupervisor);
    }

    // Step 2b: the client has no WorkSourceWA account.
    private async Task<CaseResult> StartRegistrationAsync()
    {
        // As for the supervisor: the case is waiting (and can be withdrawn) from the step that schedules the emails.
        _status.WaitingSince = Now;
        Record(CaseStage.AwaitingRegistration, "Registration needed", "The client has no WorkSourceWA account; they must register and choose Opt-In.");
        var hasClientEmail = !string.IsNullOrWhiteSpace(_case.Client.Email);
        Task client = hasClientEmail ? NotifyAsync(NotificationKind.ClientRegistrationInstructions) : Task.CompletedTask;
        var caseManager = NotifyAsync(
            NotificationKind.CaseManagerUpdate,
            detail: $"the client has no WorkSourceWA account. Please help them register and choose Opt-In. MIS will be re-checked every {Describe(Policy.RegistrationRecheckInterval)} until {Describe(Deadline(_status.WaitingSince.Value, Policy.RegistrationDeadline))}.");
        // From version 3 on, the wait goes on while someone was told: the case manager (who helps the client register),
        // or the client (who registers by themselves). Both failing closes the case as Failed.
        var (clientFailure, caseManagerFailure) = await SettleStepEmailsAsync(essential: null, client, caseManager);
        if (caseManagerFailure is not null && (clientFailure is not null || !hasClientEmail))
        {
            await caseManager; // nobody was told: throws the case manager's failure
        }

        if (hasClientEmail && clientFailure is null)
        {
            Record(CaseStage.AwaitingRegistration, "Client emailed", "Registration instructions sent (choose Opt-In during registration).");
        }

        if (clientFailure is not null)
        {
            Record(CaseStage.AwaitingRegistration, TimelineSteps.ClientEmailFailed, $"The registration instructions could not be emailed to the client ({clientFailure}). Please give the client the instructions: register a WorkSourceWA account and choose Opt-In.");
        }

        RecordCaseManagerEmailFailed(caseManagerFailure);
        return await WaitAsync(CaseStage.AwaitingRegistration);
    }

    /// <summary>
    /// Waits for every email of the step that starts a wait. Before version 3 any of them failing after its retries
    /// fails the case (thrown). From version 3 on only the <paramref name="essential"/> one (the supervisor's request,
    /// which carries the decision link) does, thrown once all have settled so no activity outlives the case; the
    /// others' failures are returned (null: sent, or no email).
    /// </summary>
    private async Task<(string? Client, string? CaseManager)> SettleStepEmailsAsync(Task? essential, Task client, Task caseManager)
    {
        if (!Runs(OrchestratorVersions.SideEmailFailuresKeepTheWait))
        {
            await Task.WhenAll(essential ?? Task.CompletedTask, client, caseManager);
            return (null, null);
        }

        var clientFailure = FailureOf(client);
        var caseManagerFailure = FailureOf(caseManager);
        await Task.WhenAll(essential is null ? Task.CompletedTask : FailureOf(essential), clientFailure, caseManagerFailure);
        if (essential is not null)
        {
            await essential;
        }

        return (await clientFailure, await caseManagerFailure);
    }

    private void RecordCaseManagerEmailFailed(string? failure)
    {
        if (failure is not null)
        {
            Record(_status.Stage, TimelineSteps.CaseManagerEmailFailed, $"The case manager could not be emailed ({failure}). The case goes on; its outcome is emailed when it closes.");
        }
    }

    // The first wait runs in this execution. Its stage was already published in the step that scheduled the emails;
    // a decision or withdrawal (accepted only at waiting stages) that came in since is buffered by the SDK and taken
    // by the first waiter for it, so none is lost. Later waits, after a timer, continue-as-new (see below).
    private Task<CaseResult> WaitAsync(CaseStage stage)
    {
        _status.Stage = stage;
        Publish();
        return stage == CaseStage.AwaitingSupervisor ? AwaitSupervisorAsync() : AwaitRegistrationAsync();
    }

    // Waiting stages follow one pattern so no external event can be lost:
    //  1. listen for the events first (an event that arrives while this execution works completes a live waiter);
    //  2. do the work that is due now (a re-check, a reminder...), checking the waiters after each step;
    //  3. race the waiters against one timer; when the timer wins, continue-as-new at once, with no activity in between
    //     (an event delivered to a waiter that is cancelled or abandoned is dropped by the SDK, and events that no
    //     waiter took are carried to the next execution by preserveUnprocessedEvents).
    private async Task<CaseResult> AwaitRegistrationAsync()
    {
        var since = _status.WaitingSince!.Value;
        var deadline = Deadline(since, Policy.RegistrationDeadline);
        var checkDue = Min(since + (Policy.RegistrationRecheckInterval * (_status.RegistrationChecks + 1)), deadline);

        using var cts = new CancellationTokenSource();
        var withdraw = _ctx.WaitForExternalEvent<CaseWithdrawal>(WorkflowEvents.Withdraw, cts.Token);

        if (checkDue <= Now)
        {
            var match = await SearchAsync(office: null);
            if (withdraw.IsCompleted)
            {
                return await WithdrawAsync(withdraw.Result);
            }

            if (match.Found)
            {
                cts.Cancel(); // synchronous on purpose: CancelAsync would resume the orchestrator off its own scheduler
                Record(CaseStage.AwaitingRegistration, "Registration found", "The client now appears in the statewide search.");
                return await AddToOfficeAndCloseAsync(match.SeekerId!, CaseOutcome.RegisteredAndAdded, "Registered");
            }

            _status.RegistrationChecks++;
            if (Now >= deadline)
            {
                cts.Cancel();
                return await CloseAsync(CaseOutcome.RegistrationNotCompleted, $"The client did not appear in MIS by {Describe(deadline)} after {_status.RegistrationChecks} check(s).");
            }

            Publish();
            checkDue = Min(since + (Policy.RegistrationRecheckInterval * (_status.RegistrationChecks + 1)), deadline);
        }

        var timer = _ctx.CreateTimer(checkDue, cts.Token);
        var winner = await Task.WhenAny(timer, withdraw);
        cts.Cancel();
        return winner == withdraw ? await WithdrawAsync(withdraw.Result) : ContinueAt(CaseStage.AwaitingRegistration);
    }

    // Steps 4-6: wait for the ESD WIOA supervisor, reminding and escalating on durable timers.
    private async Task<CaseResult> AwaitSupervisorAsync()
    {
        var since = _status.WaitingSince!.Value;
        var deadline = Deadline(since, Policy.SupervisorDeadline);

        using var cts = new CancellationTokenSource();
        var decision = _ctx.WaitForExternalEvent<SupervisorDecision>(WorkflowEvents.SupervisorDecision, cts.Token);
        var withdraw = _ctx.WaitForExternalEvent<CaseWithdrawal>(WorkflowEvents.Withdraw, cts.Token);
        var flag = _ctx.WaitForExternalEvent<StaleCaseFlag>(WorkflowEvents.StaleFlag, cts.Token);

        // The work that came due while the previous execution's timer ran.
        // The published status counts a reminder or an escalation once its email has gone, not when it is scheduled.
        if (ReminderDue() is { } r && r <= Now)
        {
            var attempt = _status.RemindersSent + 1;
            await NotifyAsync(NotificationKind.SupervisorReminder, attempt: attempt);
            _status.RemindersSent = attempt;
            Record(CaseStage.AwaitingSupervisor, "Reminder sent", $"Reminder {_status.RemindersSent} of {Policy.MaxReminders} sent to {_case.Supervisor.Name}.");
        }

        if (EscalationDue() is { } e && e <= Now && !decision.IsCompleted && !withdraw.IsCompleted)
        {
            await NotifyAsync(NotificationKind.SupervisorEscalation, attempt: Math.Max(1, _status.RemindersSent));
            _status.Escalated = true;
            Record(CaseStage.AwaitingSupervisor, "Escalated", $"No decision after {Describe(Policy.EscalateAfter)}; escalation contact {_case.EscalationContact.Name} emailed.");
        }

        // Each turn takes one event (a stale-case flag; a decision or withdrawal ends the wait) or ends with the timer,
        // after which the case continues as new: the history of one execution stays bounded.
        var timerFired = false;
        while (!timerFired)
        {
            if (flag.IsCompleted)
            {
                RecordStaleFlag(flag.Result);
                flag = _ctx.WaitForExternalEvent<StaleCaseFlag>(WorkflowEvents.StaleFlag, cts.Token);
            }

            if (decision.IsCompleted)
            {
                cts.Cancel();
                return await DecidedAsync(decision.Result);
            }

            if (withdraw.IsCompleted)
            {
                cts.Cancel();
                return await WithdrawAsync(withdraw.Result);
            }

            if (Now >= deadline)
            {
                cts.Cancel();
                await NotifyAsync(NotificationKind.SupervisorCaseClosed, outcome: CaseOutcome.NoSupervisorResponse);
                return await CloseAsync(CaseOutcome.NoSupervisorResponse, $"No supervisor decision by {Describe(deadline)} after {_status.RemindersSent} reminder(s){(_status.Escalated ? " and escalation" : "")}.");
            }

            var next = Min(Min(ReminderDue() ?? deadline, EscalationDue() ?? deadline), deadline);
            using var timerCts = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            var timer = _ctx.CreateTimer(next, timerCts.Token);
            var winner = await Task.WhenAny(decision, withdraw, flag, timer);
            timerFired = winner == timer;
            if (!timerFired)
            {
                timerCts.Cancel(); // the losing timer
            }
        }

        cts.Cancel();
        return ContinueAt(CaseStage.AwaitingSupervisor);
    }

    private DateTime? ReminderDue() => _status.RemindersSent < Policy.MaxReminders
        ? Policy.BusinessHours.NextOpen(_status.WaitingSince!.Value + (Policy.ReminderInterval * (_status.RemindersSent + 1)))
        : null;

    private DateTime? EscalationDue() => _status.Escalated ? null : Policy.BusinessHours.NextOpen(_status.WaitingSince!.Value + Policy.EscalateAfter);

    private void RecordStaleFlag(StaleCaseFlag flag)
    {
        if (_status.LastStaleFlagDate == flag.Date)
        {
            return;
        }

        _status.LastStaleFlagDate = flag.Date;
        Record(CaseStage.AwaitingSupervisor, "Escalated", $"Daily stale-case scan ({flag.Date}): listed in the digest to {flag.EscalatedTo}.");
    }

    private async Task<CaseResult> DecidedAsync(SupervisorDecision decision)
    {
        var note = string.IsNullOrWhiteSpace(decision.Note) ? "" : $" Note: {decision.Note}";
        _status.Decision = decision.Choice == DecisionChoice.OptedIn ? SupervisorDecision.OptedInValue : SupervisorDecision.RemainOptedOutValue;
        if (decision.Choice == DecisionChoice.RemainOptedOut)
        {
            Record(CaseStage.AwaitingSupervisor, "Supervisor decision", $"{decision.Decider}: the client asked to remain opted out.{note}");
            return await CloseAsync(CaseOutcome.RemainsOptedOut, $"The client asked to remain opted out; the ESD WIOA supervisor offered the client to work with an ESD WIOA staff member.{note}");
        }

        Record(CaseStage.VerifyingOptIn, "Supervisor decision", $"{decision.Decider}: the client opted in.{note} Verifying the client is now visible in MIS.");
        for (var attempt = 1; attempt <= Policy.OptInVerifyAttempts; attempt++)
        {
            var match = await SearchAsync(office: null);
            if (match.Found)
            {
                return await AddToOfficeAndCloseAsync(match.SeekerId!, CaseOutcome.OptedInAndAdded, "Opted in and visible", note);
            }

            if (attempt < Policy.OptInVerifyAttempts)
            {
                Record(CaseStage.VerifyingOptIn, "Not visible yet", $"Check {attempt} of {Policy.OptInVerifyAttempts}: the client is not visible yet; checking again in {Describe(Policy.OptInVerifyInterval)}.");
                await _ctx.CreateTimer(Now + Policy.OptInVerifyInterval, CancellationToken.None);
            }
        }

        await NotifyAsync(NotificationKind.SupervisorOptInNotVisible);
        return await CloseAsync(CaseOutcome.Failed, $"The supervisor recorded an opt-in, but the client was still not visible in MIS after {Policy.OptInVerifyAttempts} checks. The supervisor has been asked to check the Opt-Out box.{note}");
    }

    private async Task<CaseResult> WithdrawAsync(CaseWithdrawal withdrawal)
    {
        var reason = string.IsNullOrWhiteSpace(withdrawal.Reason) ? "" : $" Reason: {withdrawal.Reason}";
        var by = string.IsNullOrWhiteSpace(withdrawal.WithdrawnBy) ? "" : $" by {withdrawal.WithdrawnBy}";
        Record(_status.Stage, "Withdrawn", $"The case was withdrawn{by}.{reason}");
        if (_status.Stage == CaseStage.AwaitingSupervisor)
        {
            await NotifyAsync(NotificationKind.SupervisorCaseClosed, outcome: CaseOutcome.Withdrawn);
        }

        return await CloseAsync(CaseOutcome.Withdrawn, $"Withdrawn by request.{reason}");
    }

    /// <param name="note">Appended to the outcome detail, e.g. the supervisor's note for the case manager (" Note: ...").</param>
    private async Task<CaseResult> AddToOfficeAndCloseAsync(string seekerId, CaseOutcome outcome, string how, string note = "")
    {
        Record(CaseStage.AddingToOffice, "Add Seeker to Office", $"{how} (seeker {seekerId}); adding to office {_case.CaseManager.Office}.");
        var added = await _ctx.CallActivityAsync<AddSeekerResult>(WorkflowNames.AddToOffice, new AddSeekerRequest(_case.CaseId, seekerId, _case.CaseManager.Office), _retry);
        return await CloseAsync(outcome, added.AlreadyInOffice
            ? $"The client (seeker {seekerId}) was already in office {_case.CaseManager.Office}.{note}"
            : $"The client (seeker {seekerId}) was added to office {_case.CaseManager.Office}.{note}");
    }

    /// <summary>Closes the case and tells the case manager. If even that email cannot be sent, the case closes as Failed.</summary>
    private async Task<CaseResult> CloseAsync(CaseOutcome outcome, string detail)
    {
        var log = _ctx.CreateReplaySafeLogger<OptOutCaseOrchestrator>();
        try
        {
            await NotifyAsync(NotificationKind.CaseManagerOutcome, outcome: outcome, detail: detail);
        }
        catch (TaskFailedException failure)
        {
            var reason = failure.FailureDetails?.ErrorMessage ?? failure.Message;
            detail = $"{detail} The case manager could not be emailed ({reason}).";
            outcome = CaseOutcome.Failed;
            Log.OutcomeEmailFailed(log, _case.CaseId);
        }

        _status.Outcome = outcome;
        _status.ClosedAt = Now;
        Record(CaseStage.Closed, "Closed", $"{EmailTemplates.OutcomeTitle(outcome)}: {detail}");
        Log.CaseClosed(log, _case.CaseId, outcome);
        if (!_ctx.IsReplaying)
        {
            // A side effect only, never read back: the step that closes the case counts it once (a metric, not state).
            WorkflowTelemetry.CasesClosed.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        }

        return new CaseResult(_case.CaseId, outcome, detail, Now);
    }

    private Task<SeekerMatch> SearchAsync(string? office) =>
        _ctx.CallActivityAsync<SeekerMatch>(
            WorkflowNames.Search,
            new SeekerQuery(_case.CaseId, _case.Client.FirstName, _case.Client.LastName, _case.Client.Phone, office),
            _retry);

    /// <summary>Whether this case runs <paramref name="version"/>'s path (it started on that version or a later one).</summary>
    private bool Runs(string version) => _ctx.CompareVersionTo(version) >= 0;

    /// <summary>When a wait that started at <paramref name="since"/> ends: from version 3 on, in business hours.</summary>
    private DateTime Deadline(DateTime since, TimeSpan after) => Runs(OrchestratorVersions.DeadlinesInBusinessHours)
        ? Policy.BusinessHours.NextOpen(since + after)
        : since + after;

    /// <summary>Waits for an activity; the reason it failed after its retries, or null when it succeeded.</summary>
    private static async Task<string?> FailureOf(Task activity)
    {
        try
        {
            await activity;
            return null;
        }
        catch (TaskFailedException failure)
        {
            return failure.FailureDetails?.ErrorMessage ?? failure.Message;
        }
    }

    /// <summary>Waits for an activity whose result is no longer needed; its failure is ignored.</summary>
    private static async Task SettledAsync(Task activity)
    {
        try
        {
            await activity;
        }
        catch (TaskFailedException)
        {
            // not needed: the case no longer depends on it
        }
    }

    private Task<NotificationReceipt> NotifyAsync(NotificationKind kind, int attempt = 1, CaseOutcome? outcome = null, string? detail = null) =>
        _ctx.CallActivityAsync<NotificationReceipt>(WorkflowNames.Notify, new NotificationRequest(kind, _parties, attempt, outcome, detail), _retry);

    private void Record(CaseStage stage, string step, string detail)
    {
        _status.Stage = stage;
        _status.Timeline.Add(new TimelineEntry(Now, step, detail));
        Publish();
    }

    private void Publish()
    {
        _status.UpdatedAt = Now;
        _ctx.SetCustomStatus(_status);
    }

    private CaseResult ContinueAt(CaseStage stage)
    {
        // The stage itself is published by the next execution (see RunAsync). From version 2 on, the next execution's
        // input no longer carries the encrypted SSN: only the first execution's Opt-Out Lookup reads it.
        Publish();
        var carried = Runs(OrchestratorVersions.SsnDroppedAfterLookup) ? _case.WithoutProtectedSsn() : _case;
        _ctx.ContinueAsNew(new CaseRun(carried, _status, stage), preserveUnprocessedEvents: true);
        return null!; // ignored: the orchestration continues as new
    }

    private static DateTime Min(DateTime a, DateTime b) => a <= b ? a : b;

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} day(s)"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hour(s)"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? $"{span.TotalMinutes:0} minute(s)"
        : $"{span.TotalSeconds:0.#} second(s)";

    private static string Describe(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
