using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Access;

/// <summary>Whether a caller may see a case: the office on the case, and for an integration who opened it (the case-id registry).</summary>
public static class CaseAccess
{
    public static async Task<bool> CanSeeAsync(Caller caller, CaseView view, ICaseIdRegistry caseIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(caseIds);
        var openedBy = caller.Kind == CallerKind.Integration ? await caseIds.OpenedByAsync(view.CaseId, cancellationToken) : null;
        return caller.CanSee(view.Office, openedBy);
    }
}
