using System.Globalization;
using System.Text;
using OptOut.Workflow.Access;
using OptOut.Workflow.Cases;
using OptOut.Workflow.UseCases.WithdrawCase;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api.Portal;

/// <summary>
/// A case page: the case (SSN only as <see cref="CaseView.SsnMasked"/>), what to do next, the timeline as an ordered
/// list, and the withdraw form while the case waits. portal.js refreshes it from GET /api/cases/{caseId} while open.
/// </summary>
internal static class CaseDetailPage
{
    /// <summary>The stages in which a case manager may withdraw a case (it waits on someone else).</summary>
    private static readonly string[] Withdrawable = [nameof(CaseStage.AwaitingSupervisor), nameof(CaseStage.AwaitingRegistration)];

    public static string Render(Caller person, CaseView c)
    {
        var timeline = new StringBuilder();
        foreach (var t in c.Timeline)
        {
            timeline.Append(CultureInfo.InvariantCulture, $"<li><p class=\"when\">{PortalPage.Time(t.At)}</p><p class=\"step\">{E(t.Step)}</p><p class=\"detail\">{E(t.Detail)}</p></li>");
        }

        var refresh = c.IsClosed
            ? "<p id=\"case-live\" class=\"live\" role=\"status\" aria-live=\"polite\">This case is closed.</p>"
            : "<p id=\"case-live\" class=\"live\" role=\"status\" aria-live=\"polite\">This page updates itself every few seconds while the case is open.</p>";
        return $"""
            <div id="case" data-api="/{Routes.Cases}/{E(Uri.EscapeDataString(c.CaseId))}" data-stage="{E(c.Stage)}" data-outcome="{E(c.Outcome ?? "")}" data-timeline-count="{c.Timeline.Count}">
            {refresh}
            <dl class="facts">
              <dt>Case id</dt><dd>{E(c.CaseId)}</dd>
              <dt>Client</dt><dd>{E(c.ClientName)}</dd>
              <dt>SSN</dt><dd>{E(c.SsnMasked)}</dd>
              <dt>Office</dt><dd>{E(c.Office)}</dd>
              <dt>Case manager</dt><dd>{E(c.CaseManager)}</dd>
              <dt>Stage</dt><dd id="stage">{E(c.Stage)}</dd>
              <dt>Outcome</dt><dd id="outcome">{E(c.Outcome ?? "Open")}</dd>
              <dt>Received</dt><dd>{PortalPage.Time(c.ReceivedAt)}</dd>
              {(c.Detail is { Length: > 0 } detail ? $"<dt>Detail</dt><dd id=\"detail\">{E(detail)}</dd>" : "")}
            </dl>
            <section class="next-steps" aria-labelledby="next-title">
              <h2 id="next-title">What to do next</h2>
              <p id="next-steps">{E(NextSteps.For(c))}</p>
            </section>
            <section aria-labelledby="timeline-title">
              <h2 id="timeline-title">Timeline</h2>
              <ol class="timeline" id="timeline">{timeline}</ol>
            </section>
            {Withdraw(person, c)}
            </div>
            <p><a href="/{Routes.Portal}">Back to my cases</a></p>
            """;
    }

    public static string NotFound(string caseId) =>
        $"""
        <p class="notice">There is no case <strong>{E(caseId.Length > 64 ? caseId[..64] + "…" : caseId)}</strong> among your offices' cases.</p>
        <p><a href="/{Routes.Portal}">Back to my cases</a></p>
        """;

    private static string Withdraw(Caller person, CaseView c)
    {
        if (!person.CanWithdraw(c.Office) || !Withdrawable.Contains(c.Stage, StringComparer.Ordinal))
        {
            return "";
        }

        return $"""
            <section class="withdraw" aria-labelledby="withdraw-title">
              <h2 id="withdraw-title">Withdraw the case</h2>
              <p>Withdraw when the client no longer needs to be added to your office (for example, they moved or found work). The supervisor is told, and nothing more happens.</p>
              <div id="withdraw-errors" class="error-summary" role="alert" tabindex="-1" hidden>
                <h3>The case was not withdrawn</h3>
                <ul id="withdraw-errors-list"></ul>
              </div>
              <form id="withdraw-case" method="post" action="/{Routes.Cases}/{E(Uri.EscapeDataString(c.CaseId))}/withdraw" novalidate data-api="/{Routes.Cases}/{E(Uri.EscapeDataString(c.CaseId))}/withdraw">
                <div class="field" data-field-wrapper="reason">
                  <label for="withdraw-reason">Reason for withdrawing</label>
                  <p class="hint" id="withdraw-reason-hint">Up to {WithdrawCaseHandler.MaxReason} characters. No SSN or other 9-digit number.</p>
                  <p class="field-error" id="withdraw-reason-error" hidden></p>
                  <textarea id="withdraw-reason" name="reason" rows="3" required maxlength="{WithdrawCaseHandler.MaxReason}" data-field="reason" aria-describedby="withdraw-reason-hint" data-required-message="Enter why the case is withdrawn."></textarea>
                </div>
                <div class="actions"><button type="submit" class="button-secondary" disabled>Withdraw case</button></div>
                <p id="withdraw-status" class="live" role="status" aria-live="polite"></p>
              </form>
            </section>
            """;
    }
}
