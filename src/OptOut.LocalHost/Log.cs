using Microsoft.Extensions.Logging;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.LocalHost;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Queue intake: polling {Queue}")]
    public static partial void QueuePollingStarted(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue intake: message {MessageId} → case {CaseId} {Disposition}")]
    public static partial void QueueMessageAccepted(ILogger logger, string messageId, string? caseId, StartDisposition disposition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue intake: message {MessageId} rejected ({Reason})")]
    public static partial void QueueMessageRejected(ILogger logger, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue intake: message {MessageId} failed on attempt {DequeueCount} of {MaxDequeueCount}; it will be retried")]
    public static partial void QueueMessageRetrying(ILogger logger, Exception e, string messageId, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue intake: message {MessageId} failed on attempt {DequeueCount}; moving it to the poison queue")]
    public static partial void QueueMessageGivingUp(ILogger logger, Exception e, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue intake: message {MessageId} moved to {Queue} after {DequeueCount} attempts")]
    public static partial void QueueMessagePoisoned(ILogger logger, string messageId, long dequeueCount, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue intake: polling failed; retrying")]
    public static partial void QueuePollFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable engine: Azure Storage task hub {TaskHub}, sidecar on 127.0.0.1:{Port}")]
    public static partial void DurableEngineStarted(ILogger logger, string taskHub, int port);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stale-case scan failed; it will run again at the next interval")]
    public static partial void ScanFailed(ILogger logger, Exception e);
}
