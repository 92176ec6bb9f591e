using Microsoft.AspNetCore.Http;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.DecideCase;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api;

/// <summary>
/// The emailed decision link. GET and HEAD only render a confirmation page (mail scanners pre-fetch links, so they
/// must change nothing); POST records the decision. Pages, not JSON: the supervisor reads them in a browser.
/// </summary>
public static class DecisionEndpoints
{
    private const int MaxFormBytes = 16 * 1024;

    /// <summary>GET or HEAD /api/decisions/{token}</summary>
    public static async Task<IResult> ShowAsync(string token, DecideCaseHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var check = await handler.InspectAsync(token, cancellationToken);
        if (check.Disposition != CommandDisposition.Accepted)
        {
            return Refusal(check);
        }

        var c = check.Case!;
        var body = $"""
            <p id="intro">A partner case manager asked for help because this client has opted out of data sharing in MIS.
            Please record the outcome after you have spoken with the client. Opening this page changes nothing.</p>
            {Summary(c)}
            <form method="post" aria-describedby="intro">
              <fieldset>
                <legend>What did the client decide?</legend>
                <label for="decision-opted-in"><input type="radio" id="decision-opted-in" name="decision" value="{SupervisorDecision.OptedInValue}" required>
                  The client opted in: I cleared the Opt-Out check-box in Edit Job Seeker</label>
                <label for="decision-remain"><input type="radio" id="decision-remain" name="decision" value="{SupervisorDecision.RemainOptedOutValue}">
                  The client remains opted out: I offered an ESD WIOA staff member</label>
              </fieldset>
              <label for="note">Note for the case manager (optional)</label>
              <textarea id="note" name="note" rows="3" maxlength="{DecideCaseHandler.MaxNote}" aria-describedby="note-hint"></textarea>
              <p id="note-hint">Up to 1,000 characters. Do not include the client's SSN.</p>
              <p><button type="submit">Record decision</button></p>
            </form>
            """;
        return NoStore(Result(StatusCodes.Status200OK, $"Opt-in decision for {c.ClientName}", body));
    }

    /// <summary>POST /api/decisions/{token} (form: decision=opted-in|remain-opted-out, note)</summary>
    public static async Task<IResult> DecideAsync(string token, HttpRequest request, DecideCaseHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        if (!request.HasFormContentType)
        {
            return Message(StatusCodes.Status415UnsupportedMediaType, "Unsupported request", "Submit the decision with the form on the decision page.");
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return Message(StatusCodes.Status413PayloadTooLarge, "Request too large", "The note is too long; keep it under 1,000 characters.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Message(StatusCodes.Status400BadRequest, "Decision not understood", "The form could not be read. Open the link from the email again and resubmit.");
        }

        var choice = SupervisorDecision.Parse(form["decision"].ToString());
        if (choice is null)
        {
            return Message(StatusCodes.Status400BadRequest, "Choose an option", "Choose whether the client opted in or remains opted out, then submit again.");
        }

        var result = await handler.DecideAsync(token, choice.Value, form["note"].ToString(), cancellationToken);
        if (result.Disposition != CommandDisposition.Accepted)
        {
            return Refusal(result);
        }

        var c = result.Case!;
        var what = choice == DecisionChoice.OptedIn
            ? "opted in. The automation will confirm the client is visible in MIS, add them to the case manager's office and tell the case manager to proceed with enrollment."
            : "remains opted out. The case manager will be told the client was offered an ESD WIOA staff member.";
        return NoStore(Result(
            StatusCodes.Status200OK,
            "Decision recorded",
            $"<p class=\"note\" role=\"status\">Thank you. You recorded that {E(c.ClientName)} {E(what)}</p>{Summary(c)}<p>You can close this page.</p>"));
    }

    private static NoStoreResult Refusal(CommandResult result)
    {
        var (status, title) = result.Disposition switch
        {
            CommandDisposition.Forbidden => (StatusCodes.Status403Forbidden, "This link is not valid"),
            CommandDisposition.NotFound => (StatusCodes.Status404NotFound, "Case not found"),
            CommandDisposition.Gone => (StatusCodes.Status410Gone, "This link has expired"),
            CommandDisposition.Conflict or CommandDisposition.Accepted => (StatusCodes.Status409Conflict, "No decision needed"),
        };
        return Message(status, title, result.Message);
    }

    private static NoStoreResult Message(int status, string title, string message) =>
        NoStore(Result(status, title, $"<p class=\"note err\" role=\"alert\">{E(message)}</p>"));

    /// <summary>The link is a bearer credential: no browser or proxy keeps a copy of these pages, and no Referer carries it on.</summary>
    private static NoStoreResult NoStore(IResult inner) => new(inner);

    private sealed class NoStoreResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            httpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
            httpContext.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
            return inner.ExecuteAsync(httpContext);
        }
    }

    private static string Summary(CaseView c) => $"""
        <dl>
          <dt>Case</dt><dd>{E(c.CaseId)}</dd>
          <dt>Client</dt><dd>{E(c.ClientName)}</dd>
          <dt>Office</dt><dd>{E(c.Office)}</dd>
          <dt>Case manager</dt><dd>{E(c.CaseManager)}</dd>
          <dt>Waiting since</dt><dd>{E(c.WaitingSince?.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture))}</dd>
        </dl>
        """;
}
