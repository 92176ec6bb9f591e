using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Access;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.UseCases.WithdrawCase;

/// <summary>POST /api/cases/{caseId}/withdraw: accepted only while the case waits on the client or the supervisor.</summary>
public sealed class WithdrawCaseHandler(DurableTaskClient client, ICaseIdRegistry caseIds, TimeProvider time, ILogger<WithdrawCaseHandler> logger)
{
    public const int MaxReason = 500;

    /// <summary>A case the caller may not see is not found; one they may see but not withdraw (a supervisor, an integration) is forbidden.</summary>
    public async Task<CommandResult> HandleAsync(Caller caller, string caseId, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var view = await CaseReader.ViewAsync(client, caseId, cancellationToken);
        if (view is null || !await CaseAccess.CanSeeAsync(caller, view, caseIds, cancellationToken))
        {
            return new CommandResult(CommandDisposition.NotFound, $"Case {caseId} was not found.");
        }

        if (!caller.CanWithdraw(view.Office))
        {
            return new CommandResult(CommandDisposition.Forbidden, $"You may see case {view.CaseId} but not withdraw it: its office's case managers and administrators can.", view);
        }

        if (view.IsClosed || view.Status != nameof(OrchestrationRuntimeStatus.Running))
        {
            return new CommandResult(CommandDisposition.Conflict, $"Case {caseId} is already closed ({view.Outcome}).", view);
        }

        if (view.Stage is not (nameof(CaseStage.AwaitingSupervisor) or nameof(CaseStage.AwaitingRegistration)))
        {
            return new CommandResult(CommandDisposition.Conflict, $"Case {caseId} is at stage {view.Stage}, which cannot be withdrawn; it only waits at AwaitingRegistration or AwaitingSupervisor. Try again in a moment.", view);
        }

        caseId = view.CaseId; // the instance id (the id as sent may differ in letter case)
        // The HTTP endpoint refuses a reason that is too long or holds an SSN (IntakeValidator.FreeTextProblem); a
        // caller that skipped that check still never puts one into the case.
        if (reason is not null && IntakeValidator.FreeTextProblem("reason", reason, MaxReason) is not null)
        {
            throw new ArgumentException("The withdrawal reason is not valid free text; check it with IntakeValidator.FreeTextProblem first.", nameof(reason));
        }

        await client.RaiseEventAsync(caseId, WorkflowEvents.Withdraw, new CaseWithdrawal(reason, time.GetUtcNow().UtcDateTime, caller.Kind == CallerKind.Person ? caller.Name : null), cancellationToken);
        Log.WithdrawalRequested(logger, caseId, caller.OpenerId);
        return new CommandResult(CommandDisposition.Accepted, $"Case {caseId} is being withdrawn.", view);
    }
}
