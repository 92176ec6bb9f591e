using Microsoft.DurableTask.Client;
using OptOut.Workflow.Access;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.UseCases.GetCase;

/// <summary>
/// GET /api/cases/{caseId}: the case's public view (stage, outcome, timeline; the SSN only masked), or null when there
/// is no such case or the caller may not see it (<see cref="Caller.CanSee"/>): the two are answered alike.
/// </summary>
public sealed class GetCaseHandler(DurableTaskClient client, ICaseIdRegistry caseIds)
{
    public async Task<CaseView?> HandleAsync(Caller caller, string caseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var view = await CaseReader.ViewAsync(client, caseId, cancellationToken);
        return view is not null && await CaseAccess.CanSeeAsync(caller, view, caseIds, cancellationToken) ? view : null;
    }
}
