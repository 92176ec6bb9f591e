using System.Collections.Concurrent;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.DevTools;

/// <summary>Case ids in one process's memory: for the in-memory engine (local host, tests, benchmarks), which is one process too.</summary>
public sealed class InMemoryCaseIdRegistry : ICaseIdRegistry
{
    private readonly ConcurrentDictionary<string, (string Fingerprint, string OpenedBy)> _claims = new(StringComparer.Ordinal);

    public Task<CaseIdClaim> ClaimAsync(string caseId, string fingerprint, string openedBy, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_claims.TryAdd(caseId, (fingerprint, openedBy)))
            {
                return Task.FromResult(CaseIdClaim.Claimed);
            }

            if (_claims.TryGetValue(caseId, out var owner))
            {
                return Task.FromResult(string.Equals(owner.Fingerprint, fingerprint, StringComparison.Ordinal) ? CaseIdClaim.ClaimedBySameRequest : CaseIdClaim.ClaimedByOtherRequest);
            }
        }
    }

    public Task<string?> OpenedByAsync(string caseId, CancellationToken cancellationToken) =>
        Task.FromResult(_claims.TryGetValue(caseId, out var claim) ? claim.OpenedBy : null);

    public Task MarkStartedAsync(string caseId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseAsync(string caseId, CancellationToken cancellationToken)
    {
        _claims.TryRemove(caseId, out _);
        return Task.CompletedTask;
    }
}
