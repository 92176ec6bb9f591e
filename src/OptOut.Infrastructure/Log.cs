using Microsoft.Extensions.Logging;

namespace OptOut.Infrastructure;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid rejected message {MessageKey} with HTTP {Status} (fields: {Fields})")]
    public static partial void SendGridRejected(ILogger logger, string messageKey, int status, string fields);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageKey}: SendGrid gave no answer ({Reason}); it may have been accepted, so it is recorded as in doubt and will not be sent again")]
    public static partial void SendGridInDoubt(ILogger logger, string messageKey, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageKey}: SendGrid could not be reached ({Reason}); nothing was sent, the claim is released")]
    public static partial void SendGridUnreachable(ILogger logger, string messageKey, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageKey} was already sent ({Outcome}); not sent again")]
    public static partial void EmailNotResent(ILogger logger, string messageKey, OptOut.Infrastructure.Email.ClaimOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageKey} is being sent by another instance (claim held until {LeaseUntil:O}); the activity retries later")]
    public static partial void EmailSendInProgress(ILogger logger, string messageKey, DateTimeOffset leaseUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageKey}: a claim that expired at {LeaseUntil:O} was taken over (claim {Claims}); its instance had stopped, so the email may go out a second time")]
    public static partial void OutboxClaimTakenOver(ILogger logger, string messageKey, DateTimeOffset leaseUntil, int claims);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageKey}: this sender's claim ran out before it could record {State}")]
    public static partial void OutboxClaimLost(ILogger logger, string messageKey, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Intake: a poison message (case {CaseId}) was moved to the rejected queue with its SSN masked")]
    public static partial void PoisonMessageMasked(ILogger logger, string? caseId);
}
