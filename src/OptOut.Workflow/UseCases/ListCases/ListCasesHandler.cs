using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace OptOut.Workflow.UseCases.ListCases;

/// <summary>Filters for GET /api/cases.</summary>
public sealed record CaseListQuery(CaseStage? Stage, OrchestrationRuntimeStatus? Status, DateTimeOffset? CreatedBefore, string? ContinuationToken, int PageSize = 50);

/// <summary>GET /api/cases: one page of cases, newest engine page first, filtered by stage, runtime status and creation time.</summary>
public sealed class ListCasesHandler(DurableTaskClient client)
{
    public const int MaxPageSize = 500;

    public async Task<CasePage> HandleAsync(CaseListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new OrchestrationQuery
        {
            Statuses = query.Status is { } s ? [s] : null,
            CreatedTo = query.CreatedBefore,
            PageSize = Math.Clamp(query.PageSize, 1, MaxPageSize),
            FetchInputsAndOutputs = true,
            ContinuationToken = query.ContinuationToken,
        };
        await foreach (var page in client.GetAllInstancesAsync(filter).AsPages(query.ContinuationToken, filter.PageSize).WithCancellation(cancellationToken))
        {
            var items = page.Values
                .Where(i => i.Name == WorkflowNames.Orchestrator)
                .Select(CaseView.From)
                .Where(v => query.Stage is null || v.Stage == query.Stage.ToString())
                .ToList();
            return new CasePage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new CasePage([], null);
    }
}
