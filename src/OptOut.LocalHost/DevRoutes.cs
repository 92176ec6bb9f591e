using OptOut.Workflow.Access;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Offices;
using static OptOut.Api.HtmlPage;

namespace OptOut.LocalHost;

/// <summary>Developer pages: start page, intake form, case pages, dev mailbox. Local host only.</summary>
internal static class DevRoutes
{
    public static void MapDevRoutes(this WebApplication app)
    {
        app.MapGet("/", () => Result(200, "Opt-Out Case Automation (local)", """
            <p>Runs OWDC procedure 5212PRO (partner staff cannot find a job seeker in MIS) as a durable workflow.</p>
            <ul>
              <li><a href="/dev/intake">Open a case</a> (intake form)</li>
              <li><a href="/dev/cases">Cases</a> and their timelines</li>
              <li><a href="/dev/mailbox">Dev mailbox</a>: every email the workflow sent, with working decision links</li>
              <li><a href="/sim/mis/participants">MIS simulator</a>: seeded participants, one per branch of the procedure</li>
              <li><a href="/api/health">Health</a></li>
            </ul>
            """));

        app.MapGet("/dev/intake", (HttpRequest request, MisSimulator sim, IOptionsMonitor<Dictionary<string, OfficeOptions>> offices) =>
            Result(200, "Open a case", IntakeForm(request.Query["seeker"].ToString(), sim, offices.CurrentValue, null)));
        app.MapPost("/dev/intake", SubmitIntakeAsync).DisableAntiforgery();

        app.MapGet("/dev/cases", async (ListCasesHandler cases, CancellationToken ct) =>
        {
            var page = await cases.HandleAsync(Caller.System, new CaseListQuery(null, null, null, null, 200), ct);
            var sb = new StringBuilder("<p><a href=\"/dev/intake\">Open a case</a></p><table><thead><tr><th scope=\"col\">Case</th><th scope=\"col\">Client</th><th scope=\"col\">Stage</th><th scope=\"col\">Outcome</th><th scope=\"col\">Updated</th></tr></thead><tbody>");
            foreach (var c in page.Items.OrderByDescending(c => c.LastUpdatedAt))
            {
                sb.Append($"<tr><td><a href=\"/dev/cases/{E(c.CaseId)}\">{E(c.CaseId)}</a></td><td>{E(c.ClientName)}</td><td>{E(c.Stage)}</td><td>{E(c.Outcome)}</td><td>{E(Time(c.LastUpdatedAt))}</td></tr>");
            }

            return Result(200, "Cases", sb.Append("</tbody></table>").ToString());
        });

        app.MapGet("/dev/cases/{caseId}", async (string caseId, GetCaseHandler cases, CancellationToken ct) =>
        {
            var c = await cases.HandleAsync(Caller.System, caseId, ct);
            return c is null ? Result(404, "Case not found", $"<p>No case {E(caseId)}.</p>") : Result(200, $"Case {c.CaseId}", CasePage(c));
        });
        app.MapPost("/dev/cases/{caseId}/withdraw", async (string caseId, WithdrawCaseHandler cases, CancellationToken ct) =>
        {
            var result = await cases.HandleAsync(Caller.System, caseId, "Withdrawn from the local case page.", ct);
            return result.Disposition == CommandDisposition.Accepted
                ? Results.Redirect($"/dev/cases/{Uri.EscapeDataString(caseId)}")
                : Result(409, "Cannot withdraw", $"<p class=\"note err\" role=\"alert\">{E(result.Message)}</p>");
        }).DisableAntiforgery();

        // Every email that reached the SendGrid sink (POST /v3/mail/send), newest first, one per message key.
        app.MapGet("/dev/mailbox", (InMemoryMailbox mailbox) =>
        {
            var all = mailbox.All;
            var sb = new StringBuilder("<p>Mail sent by the workflow through the SendGrid client to this host's SendGrid-compatible sink.</p><table><thead><tr><th scope=\"col\">Sent (UTC)</th><th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th><th scope=\"col\">Text</th></tr></thead><tbody>");
            foreach (var m in all.Reverse())
            {
                var from = m.From is null ? "" : $"{E(m.From.Name)} &lt;{E(m.From.Email)}&gt;";
                sb.Append($"<tr><td>{E(Time(m.SentAt.UtcDateTime))}</td><td>{from}</td><td>{E(m.Message.To.Name)} &lt;{E(m.Message.To.Email)}&gt;</td><td><a href=\"/dev/mailbox/{E(m.Id)}\">{E(m.Message.Subject)}</a></td><td><a href=\"/dev/mailbox/{E(m.Id)}/text\" aria-label=\"Plain text of: {E(m.Message.Subject)}\">plain text</a></td></tr>");
            }

            return Result(200, $"Dev mailbox ({all.Count})", sb.Append("</tbody></table>").ToString());
        });

        // The email exactly as its HTML body was sent, so its links are the links a recipient would click.
        app.MapGet("/dev/mailbox/{id}", (string id, InMemoryMailbox mailbox) =>
        {
            var m = mailbox.Find(id);
            return m is null ? Result(404, "Email not found", "<p>No such email.</p>")
                : m.Message.HtmlBody.Length > 0 ? Results.Content(m.Message.HtmlBody, "text/html; charset=utf-8", Encoding.UTF8)
                : Results.Text(m.Message.TextBody, "text/plain; charset=utf-8", Encoding.UTF8);
        });
        app.MapGet("/dev/mailbox/{id}/text", (string id, InMemoryMailbox mailbox) =>
        {
            var m = mailbox.Find(id);
            return m is null ? Result(404, "Email not found", "<p>No such email.</p>") : Results.Text(m.Message.TextBody, "text/plain; charset=utf-8", Encoding.UTF8);
        });
    }

    private static async Task<IResult> SubmitIntakeAsync(HttpRequest request, StartCaseHandler cases, MisSimulator sim, IOptionsMonitor<Dictionary<string, OfficeOptions>> offices, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return Problems.UnsupportedMediaType("application/x-www-form-urlencoded");
        }

        var f = await request.ReadFormAsync(ct);
        var account = f["hasWorkSourceAccount"].ToString();
        var intake = new CaseIntakeRequest
        {
            CaseId = string.IsNullOrWhiteSpace(f["caseId"]) ? null : f["caseId"].ToString().Trim(),
            CaseManager = new CaseManagerDto { Name = f["cmName"], Email = f["cmEmail"], Office = f["office"] },
            Client = new ClientDto
            {
                FirstName = f["firstName"],
                LastName = f["lastName"],
                Phone = f["phone"],
                Email = string.IsNullOrWhiteSpace(f["clientEmail"]) ? null : f["clientEmail"].ToString(),
                Ssn = f["ssn"],
                HasWorkSourceAccount = account == "yes" ? true : account == "no" ? false : null,
            },
            Reason = f["reason"],
        };
        var result = await cases.HandleAsync(Caller.System, intake, "intake-form", ct);
        if (result.Disposition is StartDisposition.Created or StartDisposition.Existing)
        {
            return Results.Redirect($"/dev/cases/{Uri.EscapeDataString(result.CaseId!)}");
        }

        var errors = result.Errors?.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")).ToList() ?? [result.Message ?? "The case could not be opened."];
        var list = string.Concat(errors.Select(e => $"<li>{E(e)}</li>"));
        return Result(
            result.Disposition == StartDisposition.Conflict ? 409 : 400,
            "Open a case",
            $"<div class=\"note err\" role=\"alert\"><p>The case was not opened:</p><ul>{list}</ul></div>" + IntakeForm(null, sim, offices.CurrentValue, f));
    }

    private static string IntakeForm(string? seekerId, MisSimulator sim, Dictionary<string, OfficeOptions> offices, IFormCollection? previous)
    {
        var p = string.IsNullOrEmpty(seekerId) ? null : sim.Find(seekerId);
        string V(string name, string? seeded) => E(previous?[name].ToString() ?? seeded ?? "");
        var officeOptions = string.Concat(offices.Select(o => (Code: string.IsNullOrWhiteSpace(o.Value.Code) ? o.Key : o.Value.Code, o.Value.Name)).Select(o =>
            $"<option value=\"{E(o.Code)}\"{(string.Equals(previous?["office"].ToString(), o.Code, StringComparison.OrdinalIgnoreCase) || (previous is null && p?.Offices.Contains(o.Code) == true) ? " selected" : "")}>{E(o.Name)} ({E(o.Code)})</option>"));
        var seeded = string.Concat(sim.Participants.Select(s => $"<a href=\"/dev/intake?seeker={E(s.SeekerId)}\">{E(s.FirstName)} {E(s.LastName)}</a> "));
        var account = previous?["hasWorkSourceAccount"].ToString() ?? (p is { Registered: false } ? "no" : "");
        return $"""
            <p>Fill in with a seeded MIS participant: {seeded}</p>
            <form method="post" action="/dev/intake">
              <fieldset><legend>Case manager</legend>
                <label for="cmName">Name</label><input id="cmName" name="cmName" type="text" required maxlength="100" value="{V("cmName", "Casey Manager")}">
                <label for="cmEmail">Email</label><input id="cmEmail" name="cmEmail" type="email" required value="{V("cmEmail", "casey.manager@example.org")}">
                <label for="office">Office</label><select id="office" name="office">{officeOptions}</select>
              </fieldset>
              <fieldset><legend>Client</legend>
                <label for="firstName">First name</label><input id="firstName" name="firstName" type="text" required maxlength="100" value="{V("firstName", p?.FirstName)}">
                <label for="lastName">Last name</label><input id="lastName" name="lastName" type="text" required maxlength="100" value="{V("lastName", p?.LastName)}">
                <label for="phone">Phone</label><input id="phone" name="phone" type="tel" required value="{V("phone", p?.Phone)}">
                <label for="clientEmail">Email (optional)</label><input id="clientEmail" name="clientEmail" type="email" value="{V("clientEmail", p is null ? null : $"{p.FirstName.ToLowerInvariant()}@example.net")}">
                <label for="ssn">SSN</label><input id="ssn" name="ssn" type="text" inputmode="numeric" autocomplete="off" required value="{V("ssn", p?.Ssn)}">
                <label for="hasWorkSourceAccount">Has a WorkSourceWA account?</label>
                <select id="hasWorkSourceAccount" name="hasWorkSourceAccount">
                  <option value=""{(account == "" ? " selected" : "")}>Don't know</option>
                  <option value="yes"{(account == "yes" ? " selected" : "")}>Yes</option>
                  <option value="no"{(account == "no" ? " selected" : "")}>No</option>
                </select>
              </fieldset>
              <label for="reason">Reason (why the client needs to be in your office)</label>
              <textarea id="reason" name="reason" rows="3" required maxlength="1000">{V("reason", "Client wants to enroll in WIOA Adult training.")}</textarea>
              <label for="caseId">Case id (optional idempotency key)</label><input id="caseId" name="caseId" type="text" maxlength="64" value="{V("caseId", null)}">
              <p><button type="submit">Open case</button></p>
            </form>
            """;
    }

    private static string CasePage(CaseView c)
    {
        var refresh = c.IsClosed ? "" : "<meta http-equiv=\"refresh\" content=\"3\">";
        var rows = string.Concat(c.Timeline.Select(t => $"<tr><td>{E(Time(t.At))}</td><td>{E(t.Step)}</td><td>{E(t.Detail)}</td></tr>"));
        var withdraw = c.IsClosed ? "" : $"<form method=\"post\" action=\"/dev/cases/{E(c.CaseId)}/withdraw\"><button type=\"submit\">Withdraw case</button></form>";
        return $"""
            {refresh}
            <dl>
              <dt>Client</dt><dd>{E(c.ClientName)} (SSN {E(c.SsnMasked)})</dd>
              <dt>Office</dt><dd>{E(c.Office)}</dd>
              <dt>Stage</dt><dd id="stage">{E(c.Stage)}</dd>
              <dt>Status</dt><dd>{E(c.Status)}</dd>
              <dt>Outcome</dt><dd id="outcome">{E(c.Outcome ?? "(open)")}</dd>
              <dt>Detail</dt><dd>{E(c.Detail)}</dd>
            </dl>
            <h2>Timeline</h2>
            <table><thead><tr><th scope="col">When (UTC)</th><th scope="col">Step</th><th scope="col">Detail</th></tr></thead><tbody>{rows}</tbody></table>
            {withdraw}
            <p><a href="/dev/mailbox">Dev mailbox</a> · <a href="/dev/cases">All cases</a></p>
            """;
    }

    private static string Time(DateTime? at) => at?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
}
