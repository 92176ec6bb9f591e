using Microsoft.Extensions.Logging;

namespace OptOut.Infrastructure;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid rejected message {MessageKey} with HTTP {Status} (fields: {Fields})")]
    public static partial void SendGridRejected(ILogger logger, string messageKey, int status, string fields);
}
