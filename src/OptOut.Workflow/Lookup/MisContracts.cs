namespace OptOut.Workflow.Lookup;

/// <summary>A Quick Search for a job seeker. <see cref="Office"/> null means the statewide ("in: WorkSource") search.</summary>
public sealed record SeekerQuery(string CaseId, string FirstName, string LastName, string Phone, string? Office);

public sealed record SeekerMatch(bool Found, string? SeekerId);

/// <summary>"Add Seeker to Office" from the MIS dropdown menu.</summary>
public sealed record AddSeekerRequest(string CaseId, string SeekerId, string Office);

/// <summary>The seeker is in the office now; <see cref="AlreadyInOffice"/> when they were there before this call.</summary>
public sealed record AddSeekerResult(bool AlreadyInOffice);

/// <summary>The "Opt-Out Lookup" widget. The SSN travels encrypted until the gateway call.</summary>
public sealed record OptOutLookupRequest(string CaseId, string ProtectedSsn);

/// <summary>When opted out, the MIS report gives the client's last and first name.</summary>
public sealed record OptOutLookupResult(bool OptedOut, string? LastName, string? FirstName);

/// <summary>
/// The port to the state's case-management system (MIS). Production: <see cref="HttpMisGateway"/>, speaking the JSON
/// contract in docs/mis-gateway.md; locally, the MIS simulator serves the same contract.
/// </summary>
public interface IMisGateway
{
    Task<SeekerMatch> SearchAsync(string firstName, string lastName, string phone, string? office, CancellationToken cancellationToken);

    Task<AddSeekerResult> AddSeekerToOfficeAsync(string seekerId, string office, CancellationToken cancellationToken);

    Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken);
}

/// <summary>The MIS answered with something other than success: transient ones are retried by the durable retry policy.</summary>
public sealed class MisGatewayException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}
