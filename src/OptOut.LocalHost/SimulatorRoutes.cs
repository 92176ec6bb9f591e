using System.Text;
using OptOut.DevTools.Mis;
using static OptOut.Api.HtmlPage;

namespace OptOut.LocalHost;

/// <summary>
/// The MIS simulator served over the MIS gateway contract (docs/mis-gateway.md), plus a page to see the seeded
/// participants and act as the MIS would (opt a client in, complete a registration).
/// </summary>
internal static class SimulatorRoutes
{
    public sealed record SearchBody(string? FirstName, string? LastName, string? Phone, string? Office);

    public sealed record AddBody(string? SeekerId);

    public sealed record LookupBody(string? Ssn);

    public static void MapSimulatorRoutes(this WebApplication app)
    {
        var mis = app.MapGroup("/sim/mis");
        mis.MapPost("/seekers/search", async (SearchBody body, MisSimulator sim, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(body.FirstName) || string.IsNullOrWhiteSpace(body.LastName)
                ? Results.Problem(statusCode: 400, title: "firstName and lastName are required.")
                : Results.Ok(await sim.SearchAsync(body.FirstName, body.LastName, body.Phone ?? "", body.Office, ct)));
        mis.MapPost("/offices/{office}/seekers", async (string office, AddBody body, MisSimulator sim, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body.SeekerId) || sim.Find(body.SeekerId) is null)
            {
                return Results.Problem(statusCode: 404, title: "Unknown seeker.");
            }

            var result = await sim.AddSeekerToOfficeAsync(body.SeekerId, office, ct);
            return result.AlreadyInOffice ? Results.Conflict(result) : Results.Ok(result);
        });
        mis.MapPost("/opt-out-lookup", async (LookupBody body, MisSimulator sim, CancellationToken ct) =>
            body.Ssn is not { Length: 9 } ssn || !ssn.All(char.IsAsciiDigit)
                ? Results.Problem(statusCode: 400, title: "ssn must be 9 digits.")
                : Results.Ok(await sim.OptOutLookupAsync(ssn, ct)));

        mis.MapGet("/participants", (MisSimulator sim) => Result(200, "MIS simulator: seeded participants", ParticipantsTable(sim)));
        mis.MapPost("/participants/{seekerId}/opt-in", (string seekerId, MisSimulator sim) =>
            sim.OptIn(seekerId) ? Results.Redirect("/sim/mis/participants") : Results.Problem(statusCode: 404, title: "Unknown seeker."));
        mis.MapPost("/participants/{seekerId}/register", (string seekerId, MisSimulator sim) =>
            sim.Register(seekerId) ? Results.Redirect("/sim/mis/participants") : Results.Problem(statusCode: 404, title: "Unknown seeker."));
    }

    private static string ParticipantsTable(MisSimulator sim)
    {
        var sb = new StringBuilder("<p>Use these clients on the portal's <a href=\"/portal/open\">Open a case</a> form (signed in as a case manager); each one takes a different branch of the procedure.</p>");
        sb.Append("<table><thead><tr><th scope=\"col\">Seeker</th><th scope=\"col\">Client</th><th scope=\"col\">Phone</th><th scope=\"col\">SSN (test)</th><th scope=\"col\">Offices</th><th scope=\"col\">State</th><th scope=\"col\">Branch</th><th scope=\"col\">Act as MIS</th></tr></thead><tbody>");
        foreach (var p in sim.Participants)
        {
            var state = !p.Registered ? "not registered" : p.OptedOut ? "opted out" : "visible";
            sb.Append($"<tr><td>{E(p.SeekerId)}</td><td>{E(p.FirstName)} {E(p.LastName)}</td><td>{E(p.Phone)}</td><td>{E(p.Ssn)}</td><td>{E(string.Join(", ", p.Offices))}</td><td>{E(state)}</td><td>{E(p.Scenario)}</td><td>");
            if (!p.Registered)
            {
                sb.Append($"<form method=\"post\" action=\"/sim/mis/participants/{E(p.SeekerId)}/register\"><button type=\"submit\">Complete registration</button></form>");
            }
            else if (p.OptedOut)
            {
                sb.Append($"<form method=\"post\" action=\"/sim/mis/participants/{E(p.SeekerId)}/opt-in\"><button type=\"submit\">Clear Opt-Out box</button></form>");
            }

            sb.Append("</td></tr>");
        }

        return sb.Append("</tbody></table>").ToString();
    }
}
