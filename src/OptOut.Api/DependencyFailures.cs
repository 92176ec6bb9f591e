using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OptOut.Api;

/// <summary>
/// The one place that turns "the durable engine or its storage cannot be reached" into <c>503</c> problem+json with a
/// <c>Retry-After</c>, instead of a 500 with an empty body. Both hosts run every API call through it: the local host as
/// an endpoint filter on the API routes, the Functions app around each HTTP function (<see cref="GuardAsync"/>).
/// <para>
/// What the durable client throws when its backend is down (seen on both local engines, docs/intake.md "Errors"):
/// a gRPC <c>RpcException</c>, <c>Unavailable</c> or <c>DeadlineExceeded</c> when the sidecar or host cannot be reached,
/// <c>Unknown</c> ("Exception was thrown by handler") when it was reached but its storage call failed (the Azure
/// Storage provider's <c>RequestFailedException</c> after its retries, about 6 s against a stopped Azurite, is not passed
/// on); and where a storage SDK is called in-process, <c>RequestFailedException</c> (no response, 408, 429, 5xx) or the
/// older <c>StorageException</c>. Types are matched by name so this shared project needs neither gRPC nor Azure SDKs.
/// </para>
/// </summary>
public static class DependencyFailures
{
    /// <summary>Seconds a caller should wait before trying again (the Retry-After header).</summary>
    public const int RetryAfterSeconds = 30;

    private static readonly HashSet<string> RpcUnavailable = new(StringComparer.Ordinal)
    {
        "Unavailable", "DeadlineExceeded", "Unknown", "Internal", "ResourceExhausted", "Aborted",
    };

    private static readonly HashSet<string> StorageExceptions = new(StringComparer.Ordinal)
    {
        "Microsoft.WindowsAzure.Storage.StorageException",
        "DurableTask.AzureStorage.Storage.DurableTaskStorageException",
    };

    /// <summary>The 503 answer: problem+json and Retry-After.</summary>
    public static IResult Unavailable() => new UnavailableResult(Problems.Status(
        StatusCodes.Status503ServiceUnavailable,
        "The case store is unavailable.",
        $"The case store cannot be reached right now. Try again in {RetryAfterSeconds} seconds; sending the same request again is safe."));

    /// <summary>True when <paramref name="exception"/> (or one it wraps) says the durable engine or its storage is unreachable.</summary>
    public static bool IsUnavailable(Exception exception, CancellationToken requestAborted)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Any(inner => IsUnavailable(inner, requestAborted));
            }

            var name = e.GetType().FullName ?? "";
            if (name == "Grpc.Core.RpcException")
            {
                return RpcUnavailable.Contains(e.GetType().GetProperty("StatusCode")?.GetValue(e)?.ToString() ?? "");
            }

            if (name == "Azure.RequestFailedException")
            {
                return e.GetType().GetProperty("Status")?.GetValue(e) is int status && status is 0 or 408 or 429 or >= 500;
            }

            if (StorageExceptions.Contains(name) || e is HttpRequestException or SocketException or TimeoutException)
            {
                return true;
            }

            if (e is OperationCanceledException)
            {
                return !requestAborted.IsCancellationRequested; // a timeout on the way to the engine, not the caller leaving
            }
        }

        return false;
    }

    /// <summary>Runs an API call; an unreachable engine or store becomes <see cref="Unavailable"/> (logged), anything else propagates.</summary>
    public static async Task<IResult> GuardAsync(HttpContext http, string route, Func<Task<IResult>> call)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (Exception e) when (IsUnavailable(e, http.RequestAborted))
        {
            return Answer(http, route, e);
        }
    }

    /// <summary>
    /// Logs the failure and returns <see cref="Unavailable"/>. The route template is logged, not the path: a decision
    /// link's path carries its signed token.
    /// </summary>
    public static IResult Answer(HttpContext http, string route, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(http);
        var logger = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(DependencyFailures).FullName!);
        if (logger is not null)
        {
            Log.CaseStoreUnavailable(logger, http.Request.Method, route, exception);
        }

        return Unavailable();
    }

    private sealed class UnavailableResult(ProblemHttpResult problem) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => problem.StatusCode;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }
}
