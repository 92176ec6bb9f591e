using Azure.Data.Tables;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// A table created on first use. A creation that failed (storage briefly down) is not remembered: the next call tries
/// again. Two concurrent creations are harmless (create-if-not-exists).
/// </summary>
public sealed class EnsuredTable(TableClient table)
{
    private Task? _created;

    public async Task<TableClient> ReadyAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            created = table.CreateIfNotExistsAsync(CancellationToken.None);
            _created = created;
        }

        await created.WaitAsync(cancellationToken);
        return table;
    }
}
