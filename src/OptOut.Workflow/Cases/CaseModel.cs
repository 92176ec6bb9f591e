using System.Text.Json.Serialization;

namespace OptOut.Workflow.Cases;

/// <summary>Where a case is in the 5212PRO procedure.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CaseStage>))]
public enum CaseStage
{
    Received,
    SearchingOffice,
    SearchingStatewide,
    AddingToOffice,
    AwaitingRegistration,
    CheckingOptOut,
    AwaitingSupervisor,
    VerifyingOptIn,
    Closed,
}

/// <summary>How a case ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CaseOutcome>))]
public enum CaseOutcome
{
    AlreadyInOffice,
    AddedFromStatewide,
    RegisteredAndAdded,
    OptedInAndAdded,
    RemainsOptedOut,
    NotOptedOutNeedsReview,
    RegistrationNotCompleted,
    NoSupervisorResponse,
    Withdrawn,
    Failed,
}

/// <summary>One dated step of a case, shown to people on the case page and in the API.</summary>
public sealed record TimelineEntry(DateTime At, string Step, string Detail);

/// <summary>The partner-staff case manager who opened the case.</summary>
public sealed record CaseManagerInfo(string Name, string Email, string Office);

/// <summary>An email recipient (supervisor, escalation contact).</summary>
public sealed record Contact(string Name, string Email);

/// <summary>
/// The job seeker as the workflow sees them. The SSN is never here in clear: only the last four digits and
/// an AES-GCM protected value that only the opt-out lookup activity can open.
/// </summary>
public sealed record ClientInfo(
    string FirstName,
    string LastName,
    string Phone,
    string? Email,
    bool? HasWorkSourceAccount,
    string SsnLast4,
    string ProtectedSsn)
{
    public string FullName => $"{FirstName} {LastName}";

    public string SsnMasked => $"***-**-{SsnLast4}";
}

/// <summary>Everything the orchestration needs, fixed at intake. Contains no clear SSN.</summary>
public sealed record CaseInput(
    string CaseId,
    CaseManagerInfo CaseManager,
    ClientInfo Client,
    string Reason,
    Contact Supervisor,
    Contact EscalationContact,
    DateTime ReceivedAt,
    string Fingerprint,
    string Source,
    WorkflowPolicy Policy);

/// <summary>What a closed case returns as the orchestration output.</summary>
public sealed record CaseResult(string CaseId, CaseOutcome Outcome, string Detail, DateTime ClosedAt);
