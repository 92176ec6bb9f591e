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

/// <summary>Names of timeline steps that other parts act on (the portal's advice).</summary>
public static class TimelineSteps
{
    /// <summary>The client's email of the step that started the wait failed after its retries (version 3 on); the case waits on.</summary>
    public const string ClientEmailFailed = "Client email failed";

    /// <summary>The case manager's email of that step failed after its retries (version 3 on); the case waits on.</summary>
    public const string CaseManagerEmailFailed = "Case manager email failed";
}

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
    [JsonIgnore] // derived: not stored in the orchestration input
    public string FullName => $"{FirstName} {LastName}";

    [JsonIgnore]
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
    WorkflowPolicy Policy)
{
    /// <summary>The case without its encrypted SSN (the last four digits stay, for the masked display).</summary>
    public CaseInput WithoutProtectedSsn() => this with { Client = Client with { ProtectedSsn = "" } };
}

/// <summary>
/// The people on a case, as its emails need them: what the email activity is given instead of the whole
/// <see cref="CaseInput"/>. No SSN (not even the last four digits), no fingerprint and no policy, so the email inputs in
/// the orchestration history stay small (they are re-serialized at every replay) and hold no protected data.
/// The property names are those of <see cref="CaseInput"/>, so an email input recorded with the whole case still reads.
/// </summary>
public sealed record CaseParties(string CaseId, CaseManagerInfo CaseManager, ClientContact Client, string Reason, Contact Supervisor, Contact EscalationContact)
{
    public static CaseParties Of(CaseInput c) => new(
        c.CaseId,
        c.CaseManager,
        new ClientContact(c.Client.FirstName, c.Client.LastName, c.Client.Phone, c.Client.Email),
        c.Reason,
        c.Supervisor,
        c.EscalationContact);
}

/// <summary>How the client is reached (a <see cref="ClientInfo"/> without its SSN fields).</summary>
public sealed record ClientContact(string FirstName, string LastName, string Phone, string? Email)
{
    [JsonIgnore]
    public string FullName => $"{FirstName} {LastName}";
}

/// <summary>What a closed case returns as the orchestration output.</summary>
public sealed record CaseResult(string CaseId, CaseOutcome Outcome, string Detail, DateTime ClosedAt);
