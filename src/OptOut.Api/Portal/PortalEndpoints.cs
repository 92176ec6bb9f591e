using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OptOut.Api.Access;
using OptOut.Workflow.Access;
using OptOut.Workflow.Offices;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api.Portal;

/// <summary>
/// The case-manager portal's pages (<see cref="Routes.Pages"/>), called by both hosts: the Functions app from its
/// [Function] methods, the local host from its endpoints. Every page needs a signed-in person
/// (<see cref="CallerResolver.SignedIn"/>): nobody signed in is sent to sign in, a person without any of the app's roles
/// gets a 403 page. The use cases scope what the person sees, as they do for the API (docs/portal.md).
/// </summary>
public static class PortalEndpoints
{
    /// <summary>Cases per page of the list.</summary>
    public const int PageSize = 25;

    /// <summary>GET /portal: the cases of the person's offices (every office for an administrator), filtered by stage and outcome.</summary>
    public static async Task<IResult> HomeAsync(HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, ListCasesHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Gate(request, access, auth, out var person) is { } refused)
        {
            return refused;
        }

        var (query, errors) = CaseEndpoints.ParseListQuery(request.Query);
        if (query is null)
        {
            return Page(request, StatusCodes.Status400BadRequest, person, auth, "My cases", CasesPage.Invalid(errors), PortalPage.Section.Cases);
        }

        if (!request.Query.ContainsKey("pageSize"))
        {
            query = query with { PageSize = PageSize };
        }

        try
        {
            var page = await handler.HandleAsync(person, query, cancellationToken);
            return Page(request, StatusCodes.Status200OK, person, auth, "My cases", CasesPage.Render(person, query, page), PortalPage.Section.Cases);
        }
        catch (InvalidContinuationTokenException)
        {
            return Page(request, StatusCodes.Status400BadRequest, person, auth, "My cases", CasesPage.Invalid(new Dictionary<string, string[]> { ["continuationToken"] = ["The link to the next page is no longer valid."] }), PortalPage.Section.Cases);
        }
    }

    /// <summary>GET /portal/open: the form that opens a case (it posts JSON to POST /api/cases with the session).</summary>
    public static IResult Open(HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, OfficeDirectory offices)
    {
        ArgumentNullException.ThrowIfNull(offices);
        if (Gate(request, access, auth, out var person) is { } refused)
        {
            return refused;
        }

        if (!person.IsCaseManager && !person.IsAdministrator)
        {
            return Page(request, StatusCodes.Status403Forbidden, person, auth, "Open a case", OpenCasePage.OnlyCaseManagers, PortalPage.Section.Open);
        }

        var choices = offices.All.Where(o => person.CanOpenFor(o.Code)).OrderBy(o => o.Name, StringComparer.Ordinal).ToList();
        return choices.Count == 0
            ? Page(request, StatusCodes.Status403Forbidden, person, auth, "Open a case", OpenCasePage.NoOffice, PortalPage.Section.Open)
            : Page(request, StatusCodes.Status200OK, person, auth, "Open a case", OpenCasePage.Render(person, choices), PortalPage.Section.Open);
    }

    /// <summary>GET /portal/cases/{caseId}: the case, its timeline and what to do next; a case the person may not see is not found.</summary>
    public static async Task<IResult> CaseAsync(string caseId, HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, GetCaseHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Gate(request, access, auth, out var person) is { } refused)
        {
            return refused;
        }

        var view = await handler.HandleAsync(person, caseId, cancellationToken);
        return view is null
            ? Page(request, StatusCodes.Status404NotFound, person, auth, "Case not found", CaseDetailPage.NotFound(caseId))
            : Page(request, StatusCodes.Status200OK, person, auth, $"Case {view.CaseId}", CaseDetailPage.Render(person, view));
    }

    /// <summary>GET /portal/assets/{name}: the portal's stylesheet and script.</summary>
    public static IResult Asset(string name, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PortalAssets.Serve(name, request.HttpContext);
    }

    /// <summary>Null when a person with an app role is signed in; otherwise the sign-in redirect or the 403 page.</summary>
    private static IResult? Gate(HttpRequest request, CallerResolver access, IOptionsMonitor<AuthOptions> auth, out Caller person)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(auth);
        var signedIn = access.SignedIn(request);
        person = signedIn!;
        if (signedIn is null)
        {
            return PortalPage.SignIn(request.HttpContext, auth.CurrentValue);
        }

        return signedIn.HasRole
            ? null
            : Page(request, StatusCodes.Status403Forbidden, signedIn, auth, "No access", $"""
                <p class="notice notice-error">You are signed in as {E(signedIn.Email ?? signedIn.Name)}, but your account has none of this app's
                roles (case manager, supervisor, administrator). Ask the agency's administrator to assign you one, then sign in again.</p>
                """);
    }

    private static IResult Page(HttpRequest request, int status, Caller person, IOptionsMonitor<AuthOptions> auth, string title, string body, PortalPage.Section section = PortalPage.Section.None) =>
        PortalPage.Result(request.HttpContext, status, person, auth.CurrentValue, title, body, section);
}
