using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Workflow.Intake;

namespace OptOut.LocalHost;

/// <summary>The HTTP contract (DESIGN.md), delegating to the handlers the Functions app uses.</summary>
internal static class ApiRoutes
{
    public static void MapApiRoutes(this WebApplication app)
    {
        var cases = app.MapGroup("/api/cases").AddEndpointFilter(async (ctx, next) =>
        {
            var key = ctx.HttpContext.RequestServices.GetRequiredService<IOptions<LocalHostOptions>>().Value.FunctionKey;
            return FunctionKey.IsAuthorized(ctx.HttpContext.Request, key) ? await next(ctx) : Problems.Unauthorized();
        });

        cases.MapPost("", (HttpRequest request, CaseService svc, CancellationToken ct) => CaseEndpoints.CreateAsync(request, svc, "http", ct));
        cases.MapGet("", (HttpRequest request, CaseService svc, CancellationToken ct) => CaseEndpoints.ListAsync(request, svc, ct));
        cases.MapGet("/{caseId}", (string caseId, CaseService svc, CancellationToken ct) => CaseEndpoints.GetAsync(caseId, svc, ct));
        cases.MapPost("/{caseId}/withdraw", (string caseId, HttpRequest request, CaseService svc, CancellationToken ct) => CaseEndpoints.WithdrawAsync(caseId, request, svc, ct));

        app.MapMethods("/api/decisions/{token}", ["GET", "HEAD"], (string token, CaseService svc, CancellationToken ct) => DecisionEndpoints.ShowAsync(token, svc, ct));
        app.MapPost("/api/decisions/{token}", (string token, HttpRequest request, CaseService svc, CancellationToken ct) => DecisionEndpoints.DecideAsync(token, request, svc, ct))
            .DisableAntiforgery();

        app.MapGet("/api/health", (DurableTaskClient client, CancellationToken ct) => HealthEndpoint.CheckAsync(client, ct));
    }
}
