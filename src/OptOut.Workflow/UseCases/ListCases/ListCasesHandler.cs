using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Access;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.UseCases.ListCases;

/// <summary>
/// Filters for GET /api/cases. <paramref name="CreatedBefore"/> is compared with the case's own received time
/// (<see cref="CaseStatus.ReceivedAt"/>), strictly before. <paramref name="Outcome"/> keeps only cases that ended so
/// (a case still open has no outcome).
/// </summary>
public sealed record CaseListQuery(CaseStage? Stage, OrchestrationRuntimeStatus? Status, DateTimeOffset? CreatedBefore, string? ContinuationToken, int PageSize = 50, CaseOutcome? Outcome = null);

/// <summary>
/// GET /api/cases: one page of cases, in the engine's order, filtered by stage, outcome, runtime status and received time.
/// <para>
/// Only the runtime status is filtered by the engine. The stage lives in the custom status, and the received time too:
/// the engine's created time is restarted by every continue-as-new (a waiting case does one at every reminder), so an
/// engine-side <c>CreatedTo</c> would drop exactly the cases that have waited longest. Those two filters are applied to
/// what the engine returns, and engine pages are read until the page is full or the cases run out; the continuation
/// token (<see cref="ListContinuation"/>) records where in an engine page the next page starts.
/// </para>
/// <para>
/// At most <see cref="MaxScannedPerRequest"/> instances are examined per request: a page can then hold fewer than
/// <c>pageSize</c> cases and still carry a continuation token. Only a page without a token is the last.
/// </para>
/// </summary>
public sealed class ListCasesHandler(DurableTaskClient client, IOptions<ProtectionOptions> protection)
{
    public const int MaxPageSize = 500;

    /// <summary>The most instances one request reads from the engine, matching or not (bounds the time of a request).</summary>
    public const int MaxScannedPerRequest = 5_000;

    private readonly ListContinuation _tokens = new(protection);

    /// <summary>Instances per engine query (at least the page size asked for). Tests make it small to cross engine pages.</summary>
    public int EnginePageSize { get; init; } = 100;

    /// <summary>The page of the cases <paramref name="caller"/> may list: their offices' (<see cref="Caller.ListScope"/>).</summary>
    /// <exception cref="InvalidContinuationTokenException">The continuation token is not one this service issued.</exception>
    /// <exception cref="UnauthorizedAccessException">The caller may not list cases (<see cref="Caller.CanList"/>; the endpoint answers 403 first).</exception>
    public async Task<CasePage> HandleAsync(Caller caller, CaseListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        if (!caller.CanList)
        {
            throw new UnauthorizedAccessException("This caller may not list cases.");
        }

        var scope = caller.ListScope;
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var position = string.IsNullOrWhiteSpace(query.ContinuationToken)
            ? new ListPosition(null, Math.Max(pageSize, EnginePageSize), 0)
            : _tokens.Decode(query.ContinuationToken, Math.Max(MaxPageSize, EnginePageSize));

        var items = new List<CaseView>(pageSize);
        var scanned = 0;
        while (true)
        {
            var page = await ReadEnginePageAsync(query.Status, position, cancellationToken);
            var rows = page.Values;
            for (var i = position.Skip; i < rows.Count; i++)
            {
                scanned++;
                if (Matches(rows[i], query, scope) is { } view)
                {
                    items.Add(view);
                    if (items.Count == pageSize)
                    {
                        var next = i + 1 < rows.Count ? position with { Skip = i + 1 } : After(page, position);
                        return new CasePage(items, next is null ? null : _tokens.Encode(next));
                    }
                }
            }

            if (After(page, position) is not { } following)
            {
                return new CasePage(items, null);
            }

            position = following;
            if (scanned >= MaxScannedPerRequest)
            {
                return new CasePage(items, _tokens.Encode(position));
            }
        }
    }

    /// <summary>The start of the engine page after <paramref name="page"/>, or null when it was the last.</summary>
    private static ListPosition? After(Page<OrchestrationMetadata> page, ListPosition position) =>
        string.IsNullOrEmpty(page.ContinuationToken) ? null : new ListPosition(page.ContinuationToken, position.EnginePageSize, 0);

    private async Task<Page<OrchestrationMetadata>> ReadEnginePageAsync(OrchestrationRuntimeStatus? status, ListPosition position, CancellationToken cancellationToken)
    {
        var filter = new OrchestrationQuery
        {
            Statuses = status is { } s ? [s] : null,
            PageSize = position.EnginePageSize,
            FetchInputsAndOutputs = true,
            ContinuationToken = position.EngineToken,
        };
        await foreach (var page in client.GetAllInstancesAsync(filter).AsPages(position.EngineToken, position.EnginePageSize).WithCancellation(cancellationToken))
        {
            return page;
        }

        return new Page<OrchestrationMetadata>([], null);
    }

    /// <summary>The case's view when the instance is a case that passes the stage, outcome and received-time filters.</summary>
    private static CaseView? Matches(OrchestrationMetadata instance, CaseListQuery query, IReadOnlySet<string>? offices)
    {
        if (instance.Name != WorkflowNames.Orchestrator)
        {
            return null;
        }

        var view = CaseView.From(instance);
        if (offices is not null && !offices.Contains(view.Office))
        {
            return null;
        }

        if (query.Stage is { } stage && view.Stage != stage.ToString())
        {
            return null;
        }

        if (query.Outcome is { } outcome && view.Outcome != outcome.ToString())
        {
            return null;
        }

        return query.CreatedBefore is { } before && !(view.ReceivedAt < before.UtcDateTime) ? null : view;
    }
}
