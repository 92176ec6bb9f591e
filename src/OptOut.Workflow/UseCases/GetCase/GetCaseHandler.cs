using Microsoft.DurableTask.Client;

namespace OptOut.Workflow.UseCases.GetCase;

/// <summary>GET /api/cases/{caseId}: the case's public view (stage, outcome, timeline; the SSN only masked), or null.</summary>
public sealed class GetCaseHandler(DurableTaskClient client)
{
    public Task<CaseView?> HandleAsync(string caseId, CancellationToken cancellationToken) =>
        CaseReader.ViewAsync(client, caseId, cancellationToken);
}
