using Azure;
using Azure.Data.Tables;
using OptOut.Workflow.Decisions;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// The single-use decision ledger in an Azure Table: one row per used token (partition: case id), written with a
/// conditional insert, so a link used on any instance, before any restart, stays used.
/// </summary>
public sealed class TableDecisionLedger(TableClient table, TimeProvider time) : IDecisionLedger
{
    private readonly EnsuredTable _table = new(table);

    public async Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken)
    {
        var decisions = await _table.ReadyAsync(cancellationToken);
        try
        {
            await decisions.AddEntityAsync(
                new TableEntity(TableKeys.Escape(caseId), TableKeys.Escape(tokenId)) { ["UsedAt"] = time.GetUtcNow() },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
