using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OptOut.Api.Access;
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

    /// <summary>GET or HEAD /api/decisions/{token}; the request's activity is redacted (<see cref="DecisionLinkRedaction"/>).</summary>
    public static async Task<IResult> ShowAsync(string token, HttpRequest request, DecideCaseHandler handler, CallerResolver access, IOptionsMonitor<AuthOptions> auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(auth);
        DecisionLinkRedaction.RedactActivity(request.HttpContext);
        if (SignInFirst(request, access, auth.CurrentValue, out var person) is { } signIn)
        {
            return signIn;
        }

        var check = await handler.InspectAsync(token, person, cancellationToken);
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
              <textarea id="note" name="note" rows="3" maxlength="{DecisionNote.MaxLength}" aria-describedby="note-hint"></textarea>
              <p id="note-hint">Up to {DecisionNote.MaxLengthText} characters. Do not include the client's SSN or any other 9-digit number: a note with one is refused.</p>
              <p><button type="submit">Record decision</button></p>
            </form>
            """;
        return NoStore(Result(StatusCodes.Status200OK, $"Opt-in decision for {c.ClientName}", body));
    }

    /// <summary>
    /// POST /api/decisions/{token} (form: decision=opted-in|remain-opted-out, note). Anonymous, so the cheap checks come
    /// first: the token's signature (403) and expiry (answered without reading the body), the content type (415), and
    /// the body's size, declared (Content-Length) or not (chunked), before the form is parsed (413).
    /// </summary>
    public static async Task<IResult> DecideAsync(string token, HttpRequest request, DecideCaseHandler handler, CallerResolver access, IOptionsMonitor<AuthOptions> auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(auth);
        DecisionLinkRedaction.RedactActivity(request.HttpContext);
        if (SignInFirst(request, access, auth.CurrentValue, out var person) is { } signIn)
        {
            return signIn;
        }

        switch (handler.ReadToken(token).State)
        {
            case TokenState.Tampered:
                return Refusal(new CommandResult(CommandDisposition.Forbidden, "This decision link is not valid. Use the link exactly as emailed."));
            case TokenState.Expired:
                // Nothing the body says can change the answer (410, or 409 with the case's decision): it is not read.
                var expired = await handler.InspectAsync(token, person, cancellationToken);
                return Refusal(expired.Disposition == CommandDisposition.Accepted ? expired with { Disposition = CommandDisposition.Gone } : expired);
            case TokenState.Valid:
                break;
        }

        if (!request.HasFormContentType)
        {
            return Message(StatusCodes.Status415UnsupportedMediaType, "Unsupported request", "Submit the decision with the form on the decision page.");
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return TooLarge();
        }

        // A body without Content-Length (chunked) is capped while it is read.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFormBytes;
        }

        request.Body = new CappedReadStream(request.Body, MaxFormBytes);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BodyTooLargeException)
        {
            return TooLarge();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
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

        var note = form["note"].ToString();
        if (DecisionNote.Problem(note) is { } problem)
        {
            return Message(StatusCodes.Status400BadRequest, "The note cannot be accepted", $"{problem} Nothing was recorded. Notes may be up to {DecisionNote.MaxLengthText} characters, without an SSN.");
        }

        var result = await handler.DecideAsync(token, choice.Value, note, person, cancellationToken);
        if (result.Disposition != CommandDisposition.Accepted)
        {
            return Refusal(result);
        }

        var c = result.Case!;
        var what = choice == DecisionChoice.OptedIn
            ? "opted in. The automation will confirm the client is visible in MIS, add them to the case manager's office and tell the case manager to proceed with enrollment."
            : "remains opted out. The case manager will be told the client was offered an ESD WIOA staff member.";
        var who = result.Decision is { } d ? $"{E(SupervisorDecision.Describe(d.DecidedBy, d.Role))}, you" : "You";
        return NoStore(Result(
            StatusCodes.Status200OK,
            "Decision recorded",
            $"<p class=\"note\" role=\"status\">Thank you. {who} recorded that {E(c.ClientName)} {E(what)}</p>{Summary(c)}<p>You can close this page.</p>"));
    }

    /// <summary>
    /// The signed-in person (null when nobody is signed in), or the page asking them to sign in when the settings require
    /// it (<see cref="AuthOptions.DecisionsRequireSignIn"/>). The sign-in comes back to this page, whose GET changes nothing.
    /// </summary>
    private static NoStoreResult? SignInFirst(HttpRequest request, CallerResolver access, AuthOptions auth, out Contact? person)
    {
        var signedIn = access.SignedIn(request);
        person = signedIn is { Email: { } email } ? new Contact(signedIn.Name, email) : null;
        if (person is not null || !auth.DecisionsRequireSignIn)
        {
            return null;
        }

        var back = auth.SignInFor(request.Path.ToString());
        return NoStore(Result(
            StatusCodes.Status401Unauthorized,
            "Sign in to decide",
            $"<p class=\"note\" role=\"status\">Your agency asks supervisors to sign in before recording a decision. Nothing has been changed.</p><p><a href=\"{E(back)}\">Sign in with your work account</a>, then this page opens again.</p>"));
    }

    private static NoStoreResult TooLarge() =>
        Message(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The form is too large. Notes may be up to {DecisionNote.MaxLengthText} characters.");

    private static NoStoreResult Refusal(CommandResult result)
    {
        var (status, title) = result.Disposition switch
        {
            CommandDisposition.Forbidden => (StatusCodes.Status403Forbidden, "This link is not valid"),
            CommandDisposition.NotFound => (StatusCodes.Status404NotFound, "Case not found"),
            CommandDisposition.Gone => (StatusCodes.Status410Gone, "This link has expired"),
            CommandDisposition.Invalid => (StatusCodes.Status400BadRequest, "The decision cannot be accepted"),
            CommandDisposition.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Please try again"),
            CommandDisposition.Conflict when result.Decision is not null => (StatusCodes.Status409Conflict, "A decision was already recorded"),
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
