using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Api.OpenApi;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.Functions;

/// <summary>
/// The HTTP contract (<see cref="Routes"/>). Every trigger is anonymous to the host: case routes resolve their caller
/// in the app (a signed-in person through Easy Auth, or an integration key: <see cref="CallerResolver"/>), decision
/// links carry a signed token. Every method delegates to the endpoints the local host also uses, with the use-case
/// handler bound to this invocation's durable client.
/// </summary>
public sealed class HttpFunctions(IServiceProvider services)
{
    private CallerResolver Access => services.GetRequiredService<CallerResolver>();

    [Function(Routes.Names.CreateCase)]
    public async Task<IActionResult> CreateCase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Cases)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.Cases, async () => await CaseEndpoints.CreateAsync(request, Access, services.CreateWithClient<StartCaseHandler>(client), "http", request.HttpContext.RequestAborted));

    [Function(Routes.Names.GetCase)]
    public async Task<IActionResult> GetCase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Case)] HttpRequest request,
        string caseId,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.Case, async () => await CaseEndpoints.GetAsync(caseId, request, Access, services.CreateWithClient<GetCaseHandler>(client), request.HttpContext.RequestAborted));

    [Function(Routes.Names.ListCases)]
    public async Task<IActionResult> ListCases(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Cases)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.Cases, async () => await CaseEndpoints.ListAsync(request, Access, services.CreateWithClient<ListCasesHandler>(client), request.HttpContext.RequestAborted));

    [Function(Routes.Names.WithdrawCase)]
    public async Task<IActionResult> WithdrawCase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.WithdrawCase)] HttpRequest request,
        string caseId,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.WithdrawCase, async () => await CaseEndpoints.WithdrawAsync(caseId, request, Access, services.CreateWithClient<WithdrawCaseHandler>(client), request.HttpContext.RequestAborted));

    [Function(Routes.Names.ShowDecision)]
    public async Task<IActionResult> ShowDecision(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Decision)] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.Decision, () => DecisionEndpoints.ShowAsync(token, request, services.CreateWithClient<DecideCaseHandler>(client), Access, services.GetRequiredService<IOptionsMonitor<AuthOptions>>(), request.HttpContext.RequestAborted));

    [Function(Routes.Names.RecordDecision)]
    public async Task<IActionResult> RecordDecision(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Decision)] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await GuardAsync(request, Routes.Decision, () => DecisionEndpoints.DecideAsync(token, request, services.CreateWithClient<DecideCaseHandler>(client), Access, services.GetRequiredService<IOptionsMonitor<AuthOptions>>(), request.HttpContext.RequestAborted));

    [Function(Routes.Names.Health)]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Health)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await HealthEndpoint.CheckAsync(client, request.HttpContext.RequestAborted));

    [Function(Routes.Names.OpenApi)]
    public IActionResult OpenApi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.OpenApi)] HttpRequest request) =>
        Wrap(OpenApiEndpoint.Get(services.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue));

    /// <summary>
    /// Runs an endpoint; an unreachable durable engine or store becomes 503 problem+json with Retry-After
    /// (<see cref="DependencyFailures"/>, the same mapping the local host applies as an endpoint filter).
    /// </summary>
    internal static async Task<IActionResult> GuardAsync(HttpRequest request, string route, Func<Task<IResult>> call) =>
        Wrap(await DependencyFailures.GuardAsync(request.HttpContext, $"/{route}", call));

    /// <summary>Runs an ASP.NET Core <see cref="IResult"/> through the Functions ASP.NET Core integration.</summary>
    internal static IActionResult Wrap(IResult result) => new ResultAction(result);

    internal sealed class ResultAction(IResult result) : IActionResult
    {
        public IResult Result { get; } = result;

        public Task ExecuteResultAsync(ActionContext context) => Result.ExecuteAsync(context.HttpContext);
    }
}
