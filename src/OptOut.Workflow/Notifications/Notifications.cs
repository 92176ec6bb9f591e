using System.Text.Json.Serialization;

namespace OptOut.Workflow.Notifications;

[JsonConverter(typeof(JsonStringEnumConverter<NotificationKind>))]
public enum NotificationKind
{
    /// <summary>Step 4: email the ESD WIOA supervisor (client name, phone, reason) with the decision link.</summary>
    SupervisorRequest,
    SupervisorReminder,
    /// <summary>No decision after the escalation period: the escalation contact is asked to step in.</summary>
    SupervisorEscalation,
    /// <summary>Step 5: ask the client to contact the ESD WIOA supervisor.</summary>
    ClientContactSupervisor,
    /// <summary>Step 2b: register a WorkSourceWA account and choose Opt-In.</summary>
    ClientRegistrationInstructions,
    /// <summary>The case manager hears about progress that needs them (e.g. registration help, supervisor contacted).</summary>
    CaseManagerUpdate,
    /// <summary>The case manager hears how the case ended (every outcome).</summary>
    CaseManagerOutcome,
    /// <summary>The supervisor decided opted-in but the MIS still hides the client.</summary>
    SupervisorOptInNotVisible,
    /// <summary>The supervisor is told a case they were asked about is closed (withdrawn or timed out).</summary>
    SupervisorCaseClosed,
}

/// <summary>What the orchestrator asks the notification activity to send. Idempotent per (case, kind, attempt).</summary>
public sealed record NotificationRequest(NotificationKind Kind, CaseParties Case, int Attempt = 1, CaseOutcome? Outcome = null, string? Detail = null)
{
    [JsonIgnore] // derived: not stored in the activity input
    public string MessageKey => $"{Case.CaseId}:{Kind}:{Attempt}";
}

public sealed record NotificationReceipt(string MessageKey, string To, bool Sent);

/// <summary>A rendered email: plain text and HTML, every user-supplied field already encoded for HTML.</summary>
public sealed record EmailMessage(string Key, Contact To, string Subject, string TextBody, string HtmlBody);

/// <summary>The email port. Production: SendGrid. A failed send throws, so the activity fails and is retried.</summary>
public interface INotifier
{
    /// <summary>Sends the message unless a message with the same key was already sent. Returns false when skipped as a duplicate.</summary>
    /// <exception cref="NotifierBusyException">Another sender (another instance) holds the key until a known time.</exception>
    Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// The message key is held by another sender until <paramref name="retryAt"/> (e.g. an instance that is sending it, or
/// one that died while sending): ask again after that time; by then its outcome is recorded or its hold has lapsed.
/// </summary>
public class NotifierBusyException(string messageKey, DateTimeOffset retryAt, string message) : Exception(message)
{
    public string MessageKey { get; } = messageKey;

    public DateTimeOffset RetryAt { get; } = retryAt;
}
