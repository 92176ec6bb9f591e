using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Api.Portal;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Offices;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;

namespace OptOut.Functions;

/// <summary>
/// The case-manager portal's pages (<see cref="Routes.Pages"/>, docs/portal.md): anonymous to the host, like every
/// route here; each page asks for a signed-in person itself (Easy Auth's principal, <see cref="CallerResolver.SignedIn"/>)
/// and redirects to sign in otherwise. The page code is the local host's (<see cref="PortalEndpoints"/>).
/// </summary>
public sealed class PortalFunctions(IServiceProvider services)
{
    private CallerResolver Access => services.GetRequiredService<CallerResolver>();

    private IOptionsMonitor<AuthOptions> Auth => services.GetRequiredService<IOptionsMonitor<AuthOptions>>();

    [Function(Routes.Names.PortalHome)]
    public async Task<IActionResult> Home(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Portal)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await HttpFunctions.GuardAsync(request, Routes.Portal, () => PortalEndpoints.HomeAsync(request, Access, Auth, services.CreateWithClient<ListCasesHandler>(client), request.HttpContext.RequestAborted));

    [Function(Routes.Names.PortalOpen)]
    public IActionResult Open(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.PortalOpen)] HttpRequest request) =>
        HttpFunctions.Wrap(PortalEndpoints.Open(request, Access, Auth, services.GetRequiredService<OfficeDirectory>()));

    [Function(Routes.Names.PortalCase)]
    public async Task<IActionResult> Case(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.PortalCase)] HttpRequest request,
        string caseId,
        [DurableClient] DurableTaskClient client) =>
        await HttpFunctions.GuardAsync(request, Routes.PortalCase, () => PortalEndpoints.CaseAsync(caseId, request, Access, Auth, services.CreateWithClient<GetCaseHandler>(client), request.HttpContext.RequestAborted));

    [Function(Routes.Names.PortalAsset)]
    public IActionResult Asset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.PortalAsset)] HttpRequest request,
        string name) =>
        HttpFunctions.Wrap(PortalEndpoints.Asset(name, request));
}
