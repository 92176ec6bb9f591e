using System.Globalization;
using OptOut.Infrastructure.Email;

namespace OptOut.DevTools.Email;

/// <summary>
/// An email outbox in one process's memory, with the same claim, lease and state rules as the table outbox: for the
/// in-memory local host (whose cases vanish on exit anyway) and tests on the in-memory engine only. It guarantees
/// nothing across processes; every host that can run as more than one process uses the table outbox.
/// </summary>
public sealed class InMemoryEmailOutbox(TimeProvider time, TimeSpan lease) : IEmailOutbox
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private long _version;

    private sealed record Row(OutboxState State, DateTimeOffset LeaseUntil, int Claims, string Version, string? Reason);

    /// <summary>The state of a key's row, if any (for tests and the dev pages).</summary>
    public OutboxState? StateOf(string messageKey)
    {
        lock (_gate)
        {
            return _rows.TryGetValue(messageKey, out var row) ? row.State : null;
        }
    }

    public Task<OutboxClaim> ClaimAsync(string messageKey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _rows.TryGetValue(messageKey, out var row);
            var outcome = row switch
            {
                null => ClaimOutcome.Claimed,
                { State: OutboxState.Sent } => ClaimOutcome.AlreadySent,
                { State: OutboxState.InDoubt } => ClaimOutcome.InDoubt,
                { State: OutboxState.Claimed } when row.LeaseUntil > now => ClaimOutcome.InProgress,
                _ => ClaimOutcome.Claimed, // released, or a claim whose lease ran out
            };
            if (outcome != ClaimOutcome.Claimed)
            {
                return Task.FromResult(new OutboxClaim(messageKey, outcome, row!.LeaseUntil, row.Claims));
            }

            var claimed = new Row(OutboxState.Claimed, now + lease, (row?.Claims ?? 0) + 1, NextVersion(), row?.Reason);
            _rows[messageKey] = claimed;
            return Task.FromResult(new OutboxClaim(messageKey, ClaimOutcome.Claimed, claimed.LeaseUntil, claimed.Claims, claimed.Version));
        }
    }

    public Task MarkSentAsync(OutboxClaim claim, string? providerMessageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            // Recorded even if another sender took the key over meanwhile: the email went out.
            var claims = _rows.TryGetValue(claim.MessageKey, out var row) ? row.Claims : claim.Claims;
            _rows[claim.MessageKey] = new Row(OutboxState.Sent, claim.LeaseUntil, claims, NextVersion(), row?.Reason);
        }

        return Task.CompletedTask;
    }

    public Task MarkInDoubtAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken) => SetIfStillOurs(claim, OutboxState.InDoubt, reason);

    public Task ReleaseAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken) => SetIfStillOurs(claim, OutboxState.Released, reason);

    private Task SetIfStillOurs(OutboxClaim claim, OutboxState state, string reason)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            if (_rows.TryGetValue(claim.MessageKey, out var row) && row.Version == claim.Version)
            {
                _rows[claim.MessageKey] = row with { State = state, Version = NextVersion(), Reason = reason };
            }
        }

        return Task.CompletedTask;
    }

    private string NextVersion() => (++_version).ToString(CultureInfo.InvariantCulture);
}
