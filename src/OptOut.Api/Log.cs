using Microsoft.Extensions.Logging;

namespace OptOut.Api;

/// <summary>Every log message of this project, source-generated. Methods and paths only, never a request body.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Route}: the durable engine or its storage is unavailable; answered 503")]
    public static partial void CaseStoreUnavailable(ILogger logger, string method, string route, Exception exception);
}
