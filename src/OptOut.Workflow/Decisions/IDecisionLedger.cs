namespace OptOut.Workflow.Decisions;

/// <summary>
/// Remembers which decision tokens were used, so a second POST of the same link gets 409. Shared by every instance of
/// the app (an Azure Table in production: <c>OptOut.Infrastructure.Storage.TableDecisionLedger</c>).
/// </summary>
public interface IDecisionLedger
{
    /// <summary>True the first time a token id is consumed; false afterwards.</summary>
    Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken);
}
