using Microsoft.Extensions.Logging;

namespace OptOut.DevTools;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Dev mailbox: {Count} email(s) from earlier runs loaded")]
    public static partial void MailboxLoaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dev mailbox: message {MessageKey} was already sent; not sent again (attempt {Attempts})")]
    public static partial void MailRepeated(ILogger logger, string messageKey, int attempts);
}
