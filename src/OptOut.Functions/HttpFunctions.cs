using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using OptOut.Api;
using OptOut.Workflow.Hosting;

namespace OptOut.Functions;

/// <summary>
/// The HTTP contract (DESIGN.md). Case routes need the function key (x-functions-key); decision links are anonymous
/// because the signed token is the credential. Every method delegates to the handlers the local host also uses.
/// </summary>
public sealed class HttpFunctions(IServiceProvider services)
{
    [Function("CreateCase")]
    public async Task<IActionResult> CreateCase(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cases")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await CaseEndpoints.CreateAsync(request, services.CreateCaseService(client), "http", request.HttpContext.RequestAborted));

    [Function("GetCase")]
    public async Task<IActionResult> GetCase(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "cases/{caseId}")] HttpRequest request,
        string caseId,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await CaseEndpoints.GetAsync(caseId, services.CreateCaseService(client), request.HttpContext.RequestAborted));

    [Function("ListCases")]
    public async Task<IActionResult> ListCases(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "cases")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await CaseEndpoints.ListAsync(request, services.CreateCaseService(client), request.HttpContext.RequestAborted));

    [Function("WithdrawCase")]
    public async Task<IActionResult> WithdrawCase(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cases/{caseId}/withdraw")] HttpRequest request,
        string caseId,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await CaseEndpoints.WithdrawAsync(caseId, request, services.CreateCaseService(client), request.HttpContext.RequestAborted));

    [Function("ShowDecision")]
    public async Task<IActionResult> ShowDecision(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "decisions/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await DecisionEndpoints.ShowAsync(token, services.CreateCaseService(client), request.HttpContext.RequestAborted));

    [Function("RecordDecision")]
    public async Task<IActionResult> RecordDecision(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "decisions/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await DecisionEndpoints.DecideAsync(token, request, services.CreateCaseService(client), request.HttpContext.RequestAborted));

    [Function("Health")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        Wrap(await HealthEndpoint.CheckAsync(client, request.HttpContext.RequestAborted));

    /// <summary>Runs an ASP.NET Core <see cref="IResult"/> through the Functions ASP.NET Core integration.</summary>
    internal static IActionResult Wrap(IResult result) => new ResultAction(result);

    internal sealed class ResultAction(IResult result) : IActionResult
    {
        public IResult Result { get; } = result;

        public Task ExecuteResultAsync(ActionContext context) => Result.ExecuteAsync(context.HttpContext);
    }
}
