using System.Globalization;
using System.Text;
using OptOut.DevTools.Email;
using static OptOut.Api.HtmlPage;

namespace OptOut.LocalHost;

/// <summary>Developer pages: start page and dev mailbox. Local host only (the case pages are the portal's: PortalRoutes.cs).</summary>
internal static class DevRoutes
{
    public static void MapDevRoutes(this WebApplication app)
    {
        app.MapGet("/", () => Result(200, "Opt-Out Case Automation (local)", """
            <p>Runs OWDC procedure 5212PRO (partner staff cannot find a job seeker in MIS) as a durable workflow.</p>
            <ul>
              <li><a href="/portal">Portal</a>: the case managers' pages (my cases, open a case, a case's timeline and what to do next)</li>
              <li><a href="/dev/signin">Dev sign-in</a>: be one of the seeded people (case managers, supervisors, an administrator)</li>
              <li><a href="/dev/mailbox">Dev mailbox</a>: every email the workflow sent, with working decision links</li>
              <li><a href="/sim/mis/participants">MIS simulator</a>: seeded participants, one per branch of the procedure</li>
              <li><a href="/api/health">Health</a></li>
            </ul>
            """));

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

    private static string Time(DateTime? at) => at?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
}
