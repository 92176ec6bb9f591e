using Azure;
using Azure.Data.Tables;
using OptOut.Workflow.Decisions;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// The decision record in an Azure Table: one row per case (partition key and row key: the case id, nothing personal),
/// written with a conditional insert, so the first decision of a case wins on every instance and after every restart.
/// Storage errors are reported as <see cref="DecisionRecordUnavailableException"/>.
/// </summary>
public sealed class TableDecisionRecord(TableClient table) : IDecisionRecord
{
    private readonly EnsuredTable _table = new(table);

    public async Task<RecordedDecision?> ReadAsync(string caseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        try
        {
            await _table.ReadyAsync(cancellationToken);
            var key = TableKeys.Escape(caseId);
            var row = await table.GetEntityIfExistsAsync<TableEntity>(key, key, cancellationToken: cancellationToken);
            return row.HasValue && row.Value is { } entity ? FromEntity(caseId, entity) : null;
        }
        catch (RequestFailedException e)
        {
            throw new DecisionRecordUnavailableException("The decision record could not be read.", e);
        }
    }

    public async Task<DecisionRecordAttempt> TryAddAsync(RecordedDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        try
        {
            await _table.ReadyAsync(cancellationToken);
            await table.AddEntityAsync(ToEntity(decision with { State = DecisionRecordState.Pending }), cancellationToken);
            return new DecisionRecordAttempt(true, decision with { State = DecisionRecordState.Pending });
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var current = await ReadAsync(decision.CaseId, cancellationToken)
                ?? throw new DecisionRecordUnavailableException("The decision record was taken, then could not be read.");
            return new DecisionRecordAttempt(false, current);
        }
        catch (RequestFailedException e)
        {
            throw new DecisionRecordUnavailableException("The decision record could not be written.", e);
        }
    }

    public async Task MarkRaisedAsync(string caseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        try
        {
            var key = TableKeys.Escape(caseId);
            // A merge of the state only: who decided what and when never changes once saved.
            var update = new TableEntity(key, key) { [nameof(RecordedDecision.State)] = nameof(DecisionRecordState.Raised) };
            await table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            throw new DecisionRecordUnavailableException("The decision record could not be marked raised.", e);
        }
    }

    private static TableEntity ToEntity(RecordedDecision d)
    {
        var key = TableKeys.Escape(d.CaseId);
        return new TableEntity(key, key)
        {
            [nameof(RecordedDecision.CaseId)] = d.CaseId,
            [nameof(RecordedDecision.TokenId)] = d.TokenId,
            [nameof(RecordedDecision.Choice)] = d.Choice.ToString(),
            [nameof(RecordedDecision.DecidedBy)] = d.DecidedBy,
            [nameof(RecordedDecision.Role)] = d.Role.ToString(),
            [nameof(RecordedDecision.DecidedAt)] = d.DecidedAt,
            [nameof(RecordedDecision.Note)] = d.Note,
            [nameof(RecordedDecision.State)] = d.State.ToString(),
        };
    }

    private static RecordedDecision FromEntity(string caseId, TableEntity e) => new(
        caseId,
        e.GetString(nameof(RecordedDecision.TokenId)) ?? "",
        Enum.TryParse<DecisionChoice>(e.GetString(nameof(RecordedDecision.Choice)), out var choice) ? choice : throw new DecisionRecordUnavailableException("The decision record holds an unknown choice."),
        e.GetString(nameof(RecordedDecision.DecidedBy)) ?? "",
        Enum.TryParse<DecisionRole>(e.GetString(nameof(RecordedDecision.Role)), out var role) ? role : DecisionRole.Supervisor,
        e.GetDateTimeOffset(nameof(RecordedDecision.DecidedAt)) ?? DateTimeOffset.MinValue,
        e.GetString(nameof(RecordedDecision.Note)),
        Enum.TryParse<DecisionRecordState>(e.GetString(nameof(RecordedDecision.State)), out var state) ? state : DecisionRecordState.Pending);
}
