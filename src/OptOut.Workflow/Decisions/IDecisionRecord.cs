namespace OptOut.Workflow.Decisions;

/// <summary>Where a recorded decision stands: saved, or saved and raised on the case's orchestration.</summary>
public enum DecisionRecordState
{
    /// <summary>Saved as the case's decision; the event may not have reached the case yet (a later POST raises it again).</summary>
    Pending,

    /// <summary>The event was raised on the case.</summary>
    Raised,
}

/// <summary>
/// The decision of one case: who decided (name and role), what, when, through which link (token id), and the note
/// for the case manager. No address, no SSN: the note was checked before it got here (<see cref="DecisionNote"/>).
/// </summary>
public sealed record RecordedDecision(
    string CaseId,
    string TokenId,
    DecisionChoice Choice,
    string DecidedBy,
    DecisionRole Role,
    DateTimeOffset DecidedAt,
    string? Note,
    DecisionRecordState State)
{
    /// <summary>The event this decision raises on the case (the same every time it is raised).</summary>
    public SupervisorDecision ToEvent() => new(Choice, Note, DecidedBy, TokenId, DecidedAt.UtcDateTime, Role);

    /// <summary>"Pat Supervisor (supervisor) recorded on 2026-03-02 17:04 UTC that the client opted in."</summary>
    public string Describe() =>
        $"{DecidedBy} ({(Role == DecisionRole.EscalationContact ? "escalation contact, on the supervisor's behalf" : "supervisor")}) recorded on " +
        $"{DecidedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)} that {SupervisorDecision.Describe(Choice)}.";
}

/// <summary>What <see cref="IDecisionRecord.TryAddAsync"/> found: whether this call's decision became the case's, and the case's decision.</summary>
public sealed record DecisionRecordAttempt(bool Added, RecordedDecision Current);

/// <summary>
/// The one durable record per case that says which decision is <em>the</em> decision: the first one saved wins, on
/// every instance, after any restart (an Azure Table in production, keyed by the case id only:
/// <c>OptOut.Infrastructure.Storage.TableDecisionRecord</c>). Failures of the store throw
/// <see cref="DecisionRecordUnavailableException"/>.
/// </summary>
public interface IDecisionRecord
{
    /// <summary>The case's decision, or null when none was recorded.</summary>
    Task<RecordedDecision?> ReadAsync(string caseId, CancellationToken cancellationToken);

    /// <summary>Saves <paramref name="decision"/> (state <see cref="DecisionRecordState.Pending"/>) unless the case already has one; either way answers the case's decision.</summary>
    Task<DecisionRecordAttempt> TryAddAsync(RecordedDecision decision, CancellationToken cancellationToken);

    /// <summary>Marks the case's decision as raised on the case.</summary>
    Task MarkRaisedAsync(string caseId, CancellationToken cancellationToken);
}

/// <summary>The decision record's store could not be reached or answered an error (the page answers 503).</summary>
public sealed class DecisionRecordUnavailableException : Exception
{
    public DecisionRecordUnavailableException()
    {
    }

    public DecisionRecordUnavailableException(string message)
        : base(message)
    {
    }

    public DecisionRecordUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
