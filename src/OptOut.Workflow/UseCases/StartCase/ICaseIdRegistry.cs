namespace OptOut.Workflow.UseCases.StartCase;

/// <summary>How a claim on a case id went.</summary>
public enum CaseIdClaim
{
    /// <summary>This request owns the id now: start the case.</summary>
    Claimed,

    /// <summary>The same request (same fingerprint) owns it: the case is started, or being started by another instance.</summary>
    ClaimedBySameRequest,

    /// <summary>Another request owns it: a conflict.</summary>
    ClaimedByOtherRequest,
}

/// <summary>
/// Which request owns a case id, on every instance of the app: the first claim wins (an Azure Table conditional insert
/// in production, <c>OptOut.Infrastructure.Storage.TableCaseIdRegistry</c>). The durable engine alone cannot say it:
/// the Azure Storage provider checks for an existing instance and then writes, so two instances starting the same id at
/// once would both start it. Rows hold the case id, the request's keyed fingerprint, the opener's id (an integration's name or a person's
/// directory object id) and times: nothing personal.
/// </summary>
public interface ICaseIdRegistry
{
    /// <summary>
    /// Claims <paramref name="caseId"/> for the request with <paramref name="fingerprint"/>. A claim of the same request
    /// that was never marked started and is older than a minute (its instance stopped between the claim and the start)
    /// is taken over: <see cref="CaseIdClaim.Claimed"/> again.
    /// <paramref name="openedBy"/> records who opened the case (<see cref="Access.Caller.OpenerId"/>): an integration
    /// key may read the cases it opened and no other.
    /// </summary>
    Task<CaseIdClaim> ClaimAsync(string caseId, string fingerprint, string openedBy, CancellationToken cancellationToken);

    /// <summary>Who opened the case (as claimed), or null for an id never claimed here (a case opened before the registry recorded it).</summary>
    Task<string?> OpenedByAsync(string caseId, CancellationToken cancellationToken);

    /// <summary>The case is scheduled on the engine.</summary>
    Task MarkStartedAsync(string caseId, CancellationToken cancellationToken);

    /// <summary>Gives a claim back after the start failed, so that a retry of the request can claim it again.</summary>
    Task ReleaseAsync(string caseId, CancellationToken cancellationToken);
}
