using Azure;
using Azure.Data.Tables;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// Case ids in an Azure Table, one row per id (partition: the escaped case id), written with a conditional insert: on
/// every instance the first claim of an id wins. Started claims are kept after the case closes (a case id is used once);
/// a claim left unstarted by a stopped instance is taken over by the same request after <see cref="TakeoverAfter"/>.
/// </summary>
public sealed class TableCaseIdRegistry(TableClient table, TimeProvider time) : ICaseIdRegistry
{
    public static readonly TimeSpan TakeoverAfter = TimeSpan.FromMinutes(1);

    private const string Row = "";
    private readonly EnsuredTable _table = new(table);

    public async Task<CaseIdClaim> ClaimAsync(string caseId, string fingerprint, string openedBy, CancellationToken cancellationToken)
    {
        await _table.ReadyAsync(cancellationToken);
        var key = TableKeys.Escape(caseId);
        try
        {
            await table.AddEntityAsync(Entity(key, fingerprint, openedBy), cancellationToken);
            return CaseIdClaim.Claimed;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Claimed already: read who holds it.
        }

        var existing = (await table.GetEntityAsync<TableEntity>(key, Row, cancellationToken: cancellationToken)).Value;
        if (!string.Equals(existing.GetString("Fingerprint"), fingerprint, StringComparison.Ordinal))
        {
            return CaseIdClaim.ClaimedByOtherRequest;
        }

        var stale = existing.GetBoolean("Started") != true && time.GetUtcNow() - (existing.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue) > TakeoverAfter;
        if (!stale)
        {
            return CaseIdClaim.ClaimedBySameRequest;
        }

        try
        {
            await table.UpdateEntityAsync(Entity(key, fingerprint, openedBy), existing.ETag, TableUpdateMode.Replace, cancellationToken);
            return CaseIdClaim.Claimed;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return CaseIdClaim.ClaimedBySameRequest; // another instance took it over first
        }
    }

    public async Task<string?> OpenedByAsync(string caseId, CancellationToken cancellationToken)
    {
        await _table.ReadyAsync(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(caseId), Row, ["OpenedBy"], cancellationToken);
        return row.HasValue ? row.Value!.GetString("OpenedBy") : null;
    }

    public async Task MarkStartedAsync(string caseId, CancellationToken cancellationToken) =>
        await table.UpdateEntityAsync(new TableEntity(TableKeys.Escape(caseId), Row) { ["Started"] = true, ["StartedAt"] = time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    public async Task ReleaseAsync(string caseId, CancellationToken cancellationToken) =>
        await table.DeleteEntityAsync(TableKeys.Escape(caseId), Row, ETag.All, cancellationToken);

    private TableEntity Entity(string key, string fingerprint, string openedBy) => new(key, Row)
    {
        ["Fingerprint"] = fingerprint,
        ["OpenedBy"] = openedBy,
        ["ClaimedAt"] = time.GetUtcNow(),
        ["Started"] = false,
    };
}
