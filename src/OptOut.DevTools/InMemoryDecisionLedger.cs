using System.Collections.Concurrent;
using OptOut.Workflow.Decisions;

namespace OptOut.DevTools;

/// <summary>
/// A decision ledger in one process's memory: for tests and benchmarks on the in-memory engine only. Hosts use the
/// table-backed ledger, which every instance shares and which survives restarts.
/// </summary>
public sealed class InMemoryDecisionLedger : IDecisionLedger
{
    private readonly ConcurrentDictionary<string, string> _used = new(StringComparer.Ordinal);

    public Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken) =>
        Task.FromResult(_used.TryAdd(tokenId, caseId));
}
