using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OptOut.Infrastructure.Email;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// The email outbox in an Azure Table shared by every instance (<see cref="IEmailOutbox"/>). One row per message key:
/// partition = the case id (the key up to its first ':'), row = the whole key, both escaped with <see cref="TableKeys"/>.
/// A claim is a conditional insert; taking over a released row or an expired claim is an update conditional on the
/// row's ETag, so of two instances racing for a key exactly one wins. Marks are conditional on the claim's ETag, except
/// "sent", which is recorded whatever happened meanwhile (the email went out; nobody may send it again).
/// </summary>
public sealed class TableEmailOutbox(TableClient table, TimeProvider time, TimeSpan lease, ILogger<TableEmailOutbox> logger) : IEmailOutbox
{
    private readonly string _owner = Guid.NewGuid().ToString("N");
    private readonly EnsuredTable _table = new(table);

    public TimeSpan Lease => lease;

    public static (string PartitionKey, string RowKey) Keys(string messageKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageKey);
        var colon = messageKey.IndexOf(':', StringComparison.Ordinal);
        return (TableKeys.Escape(colon > 0 ? messageKey[..colon] : messageKey), TableKeys.Escape(messageKey));
    }

    public async Task<OutboxClaim> ClaimAsync(string messageKey, CancellationToken cancellationToken)
    {
        await _table.ReadyAsync(cancellationToken);
        var (pk, rk) = Keys(messageKey);
        for (var round = 0; round < 10; round++)
        {
            var now = time.GetUtcNow();
            var until = now + lease;
            try
            {
                var added = await table.AddEntityAsync(ClaimRow(pk, rk, now, until, 1), cancellationToken);
                return new OutboxClaim(messageKey, ClaimOutcome.Claimed, until, 1, added.Headers.ETag?.ToString());
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // The key has a row: read it and decide.
            }

            var found = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
            if (!found.HasValue || found.Value is null)
            {
                continue; // removed in between (a purge): insert again
            }

            var row = found.Value;
            var state = StateOf(row);
            var claims = row.GetInt32("Claims") ?? 1;
            var rowLease = row.GetDateTimeOffset("LeaseUntil") ?? DateTimeOffset.MinValue;
            switch (state)
            {
                case OutboxState.Sent:
                    return new OutboxClaim(messageKey, ClaimOutcome.AlreadySent, rowLease, claims);
                case OutboxState.InDoubt:
                    return new OutboxClaim(messageKey, ClaimOutcome.InDoubt, rowLease, claims);
                case OutboxState.Claimed when rowLease > now:
                    return new OutboxClaim(messageKey, ClaimOutcome.InProgress, rowLease, claims);
                case OutboxState.Claimed:
                case OutboxState.Released:
                    break;
            }

            // Released, or a claim whose lease ran out (its instance crashed): take it over unless another instance does first.
            var takeOver = ClaimRow(pk, rk, now, until, claims + 1);
            takeOver["Reason"] = row.GetString("Reason");
            try
            {
                var updated = await table.UpdateEntityAsync(takeOver, row.ETag, TableUpdateMode.Replace, cancellationToken);
                if (state == OutboxState.Claimed)
                {
                    Log.OutboxClaimTakenOver(logger, messageKey, rowLease, claims + 1);
                }

                return new OutboxClaim(messageKey, ClaimOutcome.Claimed, until, claims + 1, updated.Headers.ETag?.ToString());
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Another instance changed the row first: read it again.
            }
        }

        throw new InvalidOperationException($"The email outbox row for message {messageKey} kept changing; try again.");
    }

    public async Task MarkSentAsync(OutboxClaim claim, string? providerMessageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var (pk, rk) = Keys(claim.MessageKey);
        var row = new TableEntity(pk, rk)
        {
            ["State"] = nameof(OutboxState.Sent),
            ["SentAt"] = time.GetUtcNow(),
            ["ProviderMessageId"] = providerMessageId ?? "",
        };
        if (await TryUpdateAsync(row, claim, cancellationToken))
        {
            return;
        }

        // Our lease ran out during the send and another instance claimed the key (it may be sending too): the email
        // went out, so the row must say so whatever it says now.
        Log.OutboxClaimLost(logger, claim.MessageKey, nameof(OutboxState.Sent));
        await table.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task MarkInDoubtAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var (pk, rk) = Keys(claim.MessageKey);
        var row = new TableEntity(pk, rk) { ["State"] = nameof(OutboxState.InDoubt), ["Reason"] = reason, ["InDoubtAt"] = time.GetUtcNow() };
        if (!await TryUpdateAsync(row, claim, cancellationToken))
        {
            Log.OutboxClaimLost(logger, claim.MessageKey, nameof(OutboxState.InDoubt)); // the newer claim's outcome stands
        }
    }

    public async Task ReleaseAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var (pk, rk) = Keys(claim.MessageKey);
        var row = new TableEntity(pk, rk) { ["State"] = nameof(OutboxState.Released), ["Reason"] = reason, ["ReleasedAt"] = time.GetUtcNow() };
        if (!await TryUpdateAsync(row, claim, cancellationToken))
        {
            Log.OutboxClaimLost(logger, claim.MessageKey, nameof(OutboxState.Released));
        }
    }

    private async Task<bool> TryUpdateAsync(TableEntity row, OutboxClaim claim, CancellationToken cancellationToken)
    {
        if (claim.Outcome != ClaimOutcome.Claimed || claim.Version is null)
        {
            throw new InvalidOperationException($"Message {claim.MessageKey} was not claimed by this sender ({claim.Outcome}).");
        }

        try
        {
            await table.UpdateEntityAsync(row, new ETag(claim.Version), TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    private TableEntity ClaimRow(string pk, string rk, DateTimeOffset now, DateTimeOffset until, int claims) => new(pk, rk)
    {
        ["State"] = nameof(OutboxState.Claimed),
        ["ClaimedAt"] = now,
        ["LeaseUntil"] = until,
        ["Owner"] = _owner,
        ["Claims"] = claims,
    };

    private static OutboxState StateOf(TableEntity row) =>
        Enum.TryParse<OutboxState>(row.GetString("State"), ignoreCase: false, out var state) && Enum.IsDefined(state)
            ? state
            : OutboxState.InDoubt; // an unknown state is never sent again
}
