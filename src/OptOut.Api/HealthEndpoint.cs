using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OptOut.Api;

/// <summary>GET /api/health: the app is up and its durable engine answers a query. No secrets or case data.</summary>
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
            return Results.Ok(new { status = "Healthy", durable = "not configured" });
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.GetInstanceAsync("health-probe-nonexistent", timeout.Token);
            return Results.Ok(new { status = "Healthy", durable = "ok" });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Results.Json(new { status = "Unhealthy", durable = e.GetType().Name }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
