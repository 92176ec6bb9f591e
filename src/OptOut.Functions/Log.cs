using Microsoft.Extensions.Logging;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Functions;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Queue intake: case {CaseId} {Disposition}")]
    public static partial void QueueCaseAccepted(ILogger logger, string? caseId, StartDisposition disposition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue intake: message rejected ({Reason})")]
    public static partial void QueueMessageRejected(ILogger logger, string reason);
}
