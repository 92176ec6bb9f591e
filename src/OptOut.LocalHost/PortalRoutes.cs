using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Api.Portal;
using OptOut.Workflow.Offices;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;

namespace OptOut.LocalHost;

/// <summary>
/// The case-manager portal (<see cref="Routes.Pages"/>), mapped to the same page code the Functions app calls
/// (<see cref="PortalEndpoints"/>). The dev sign-in (DevSignIn.cs) plays App Service Authentication here.
/// </summary>
internal static class PortalRoutes
{
    private static readonly Dictionary<string, Delegate> Handlers = new(StringComparer.Ordinal)
    {
        [Routes.Names.PortalHome] = (HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, ListCasesHandler handler, CancellationToken ct) => PortalEndpoints.HomeAsync(request, access, auth, handler, ct),
        [Routes.Names.PortalOpen] = (HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, OfficeDirectory offices) => PortalEndpoints.Open(request, access, auth, offices),
        [Routes.Names.PortalCase] = (string caseId, HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, GetCaseHandler handler, CancellationToken ct) => PortalEndpoints.CaseAsync(caseId, request, access, auth, handler, ct),
        [Routes.Names.PortalAsset] = (string name, HttpRequest request) => PortalEndpoints.Asset(name, request),
    };

    public static void MapPortalRoutes(this WebApplication app)
    {
        foreach (var route in Routes.Pages)
        {
            app.MapMethods(route.Path, route.Methods, Handlers[route.Name])
                .WithName(route.Name)
                .AnswerUnavailableStore(route);
        }
    }
}
