using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OptOut.Api;

/// <summary>The 200 body of GET /api/health.</summary>
/// <param name="Status">Always <c>Healthy</c> (an unhealthy app answers 503 problem+json instead).</param>
/// <param name="Durable"><c>ok</c> when the durable engine answered, <c>not configured</c> without one.</param>
public sealed record HealthStatus(string Status, string Durable);

/// <summary>GET /api/health: the app is up and its durable engine answers a query (else 503 problem+json). No secrets or case data.</summary>
public static class HealthEndpoint
{
    public static async Task<IResult> CheckAsync(HttpContext context)
    {
        var client = context.RequestServices.GetService<DurableTaskClient>();
        return await CheckAsync(client, context.RequestAborted);
    }

    public static async Task<IResult> CheckAsync(DurableTaskClient? client, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            return Results.Ok(new HealthStatus("Healthy", "not configured"));
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.GetInstanceAsync("health-probe-nonexistent", timeout.Token);
            return Results.Ok(new HealthStatus("Healthy", "ok"));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The API's one answer for an unreachable engine: 503 problem+json with Retry-After (README, "HTTP contract").
            return DependencyFailures.Unavailable();
        }
    }
}
