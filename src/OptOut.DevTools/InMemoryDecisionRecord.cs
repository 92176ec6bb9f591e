using System.Collections.Concurrent;
using OptOut.Workflow.Decisions;

namespace OptOut.DevTools;

/// <summary>
/// The decision record in one process's memory: for tests and the in-memory engine only (which forgets its cases on
/// exit too). Hosts on durable storage use the table-backed record, which every instance shares and which survives restarts.
/// </summary>
public sealed class InMemoryDecisionRecord : IDecisionRecord
{
    private readonly ConcurrentDictionary<string, RecordedDecision> _decisions = new(StringComparer.Ordinal);

    public Task<RecordedDecision?> ReadAsync(string caseId, CancellationToken cancellationToken) =>
        Task.FromResult(_decisions.TryGetValue(caseId, out var d) ? d : null);

    public Task<DecisionRecordAttempt> TryAddAsync(RecordedDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var pending = decision with { State = DecisionRecordState.Pending };
        var current = _decisions.GetOrAdd(decision.CaseId, pending);
        return Task.FromResult(new DecisionRecordAttempt(ReferenceEquals(current, pending), current));
    }

    public Task MarkRaisedAsync(string caseId, CancellationToken cancellationToken)
    {
        while (_decisions.TryGetValue(caseId, out var d) && d.State != DecisionRecordState.Raised)
        {
            if (_decisions.TryUpdate(caseId, d with { State = DecisionRecordState.Raised }, d))
            {
                break;
            }
        }

        return Task.CompletedTask;
    }
}
