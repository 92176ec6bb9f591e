using System.Globalization;
using Microsoft.DurableTask.Client;
using OptOut.Api;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Operations;

namespace OptOut.LocalHost;

/// <summary>Operations the Functions app runs on a schedule, on demand here (function key required).</summary>
internal static class AdminRoutes
{
    public static void MapAdminRoutes(this WebApplication app)
    {
        var admin = app.MapGroup("/api/admin").RequireFunctionKey();

        // POST /api/admin/purge?olderThanDays=N: what the PurgeClosedCases timer does (N defaults to Retention:CompletedCaseDays).
        admin.MapPost("/purge", async (HttpRequest request, IServiceProvider services, DurableTaskClient client, CancellationToken ct) =>
        {
            var purge = services.CreateWithClient<CasePurge>(client);
            var raw = request.Query["olderThanDays"].ToString();
            if (string.IsNullOrEmpty(raw))
            {
                return Results.Ok(await purge.PurgeAsync(ct));
            }

            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var days) || days < 0 || days > 3650)
            {
                return Problems.BadRequest("olderThanDays must be a number of days from 0 to 3650.");
            }

            return Results.Ok(await purge.PurgeOlderThanAsync(TimeSpan.FromDays(days), ct));
        });
    }
}
