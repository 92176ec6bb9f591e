using System.Collections.Concurrent;

namespace OptOut.Workflow.Decisions;

/// <summary>Remembers which decision tokens were used, so a second POST of the same link gets 409.</summary>
public interface IDecisionLedger
{
    /// <summary>True the first time a token id is consumed; false afterwards.</summary>
    Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken);
}

/// <summary>
/// Per-process ledger. Across processes the case's own state is the backstop: once a decision is recorded the case is no
/// longer awaiting one, and the decision endpoint answers 409.
/// </summary>
public sealed class InMemoryDecisionLedger : IDecisionLedger
{
    private readonly ConcurrentDictionary<string, string> _used = new(StringComparer.Ordinal);

    public Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken) =>
        Task.FromResult(_used.TryAdd(tokenId, caseId));
}
