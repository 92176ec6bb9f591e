using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Api.OpenApi;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.LocalHost;

/// <summary>
/// The HTTP contract, mapped from the route table (<see cref="Routes"/>) the Functions app's triggers use, to the same
/// endpoints, which resolve their caller themselves (<see cref="CallerResolver"/>). The local host's function key is
/// its dev integration key (every office) and guards the local admin routes (<see cref="RequireFunctionKey{TBuilder}"/>).
/// </summary>
internal static class ApiRoutes
{
    private static readonly Dictionary<string, Delegate> Handlers = new(StringComparer.Ordinal)
    {
        [Routes.Names.CreateCase] = (HttpRequest request, CallerResolver access, StartCaseHandler handler, CancellationToken ct) => CaseEndpoints.CreateAsync(request, access, handler, "http", ct),
        [Routes.Names.ListCases] = (HttpRequest request, CallerResolver access, ListCasesHandler handler, CancellationToken ct) => CaseEndpoints.ListAsync(request, access, handler, ct),
        [Routes.Names.GetCase] = (string caseId, HttpRequest request, CallerResolver access, GetCaseHandler handler, CancellationToken ct) => CaseEndpoints.GetAsync(caseId, request, access, handler, ct),
        [Routes.Names.WithdrawCase] = (string caseId, HttpRequest request, CallerResolver access, WithdrawCaseHandler handler, CancellationToken ct) => CaseEndpoints.WithdrawAsync(caseId, request, access, handler, ct),
        [Routes.Names.ShowDecision] = (string token, HttpRequest request, DecideCaseHandler handler, CallerResolver access, IOptionsMonitor<AuthOptions> auth, CancellationToken ct) => DecisionEndpoints.ShowAsync(token, request, handler, access, auth, ct),
        [Routes.Names.RecordDecision] = (string token, HttpRequest request, DecideCaseHandler handler, CallerResolver access, IOptionsMonitor<AuthOptions> auth, CancellationToken ct) => DecisionEndpoints.DecideAsync(token, request, handler, access, auth, ct),
        [Routes.Names.Health] = (DurableTaskClient client, CancellationToken ct) => HealthEndpoint.CheckAsync(client, ct),
        [Routes.Names.OpenApi] = (IOptionsMonitor<AuthOptions> auth) => OpenApiEndpoint.Get(auth.CurrentValue),
    };

    public static void MapApiRoutes(this WebApplication app)
    {
        foreach (var route in Routes.All)
        {
            app.MapMethods(route.Path, route.Methods, Handlers[route.Name])
                .WithName(route.Name)
                .DisableAntiforgery() // JSON APIs (cross-site changes refused by CallerResolver) and the decision form (the signed token is the credential)
                .AnswerUnavailableStore(route);
        }
    }

    /// <summary>An unreachable durable engine or store answers 503 problem+json with Retry-After (<see cref="DependencyFailures"/>), as in the Functions app.</summary>
    public static TBuilder AnswerUnavailableStore<TBuilder>(this TBuilder builder, Routes.Endpoint route)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            try
            {
                return await next(ctx);
            }
            catch (Exception e) when (DependencyFailures.IsUnavailable(e, ctx.HttpContext.RequestAborted))
            {
                return DependencyFailures.Answer(ctx.HttpContext, route.Path, e);
            }
        });

    /// <summary>Answers 401 problem+json unless the request carries the local host's function key (x-functions-key or ?code=).</summary>
    public static TBuilder RequireFunctionKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var key = ctx.HttpContext.RequestServices.GetRequiredService<IOptions<LocalHostOptions>>().Value.FunctionKey;
            return FunctionKey.IsAuthorized(ctx.HttpContext.Request, key) ? await next(ctx) : Problems.Unauthorized();
        });
}
