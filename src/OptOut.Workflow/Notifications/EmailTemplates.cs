using System.Net;
using System.Text;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;

namespace OptOut.Workflow.Notifications;

/// <summary>
/// The email texts, one per <see cref="NotificationKind"/> (and per outcome for the case manager). Every value that
/// came from a person (names, phone, reason, notes) is HTML-encoded in the HTML body. No SSN, not even masked:
/// supervisors look the client up by name.
/// </summary>
public sealed class EmailTemplates(IDecisionLinks links)
{
    /// <summary>
    /// The email for one request. The switch names every <see cref="NotificationKind"/> with no catch-all, so a new
    /// kind without a template does not compile (CS8509); a value that is no kind at all is refused.
    /// </summary>
    public EmailMessage Render(NotificationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.IsDefined(request.Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown notification kind.");
        }

        var c = request.Case;
        var client = c.Client.FullName;
        var (to, subject, paragraphs) = request.Kind switch
        {
            NotificationKind.SupervisorRequest => (c.Supervisor, $"Opt-in request: {client} (case {c.CaseId})", SupervisorAsk(request, first: true)),
            NotificationKind.SupervisorReminder => (c.Supervisor, $"Reminder {request.Attempt}: opt-in request for {client} (case {c.CaseId})", SupervisorAsk(request, first: false)),
            NotificationKind.SupervisorEscalation => (c.EscalationContact, $"Escalation: no supervisor decision for {client} (case {c.CaseId})", Escalation(request)),
            NotificationKind.ClientContactSupervisor => (new Contact(client, c.Client.Email ?? ""), "Please contact the ESD WIOA supervisor to opt in to data sharing", ClientContactSupervisor(c)),
            NotificationKind.ClientRegistrationInstructions => (new Contact(client, c.Client.Email ?? ""), "Set up your WorkSourceWA account (choose Opt-In)", ClientRegistration(c)),
            NotificationKind.CaseManagerUpdate => (CaseManager(c), $"Case {c.CaseId} ({client}): update", CaseManagerUpdate(request)),
            NotificationKind.CaseManagerOutcome => (CaseManager(c), $"Case {c.CaseId} ({client}) closed: {OutcomeTitle(request.Outcome)}", CaseManagerOutcome(request)),
            NotificationKind.SupervisorOptInNotVisible => (c.Supervisor, $"Action needed: {client} still hidden in MIS after opt-in (case {c.CaseId})", OptInNotVisible(request)),
            NotificationKind.SupervisorCaseClosed => (c.Supervisor, $"No action needed: case {c.CaseId} ({client}) is closed", SupervisorClosed(request)),
        };

        return new EmailMessage(request.MessageKey, to, subject, Text(paragraphs), Html(subject, paragraphs));
    }

    /// <summary>The case manager's email for every outcome: what happened and what to do next.</summary>
    public static string OutcomeTitle(CaseOutcome? outcome) => outcome switch
    {
        CaseOutcome.AlreadyInOffice => "client is already in your office",
        CaseOutcome.AddedFromStatewide => "client added to your office",
        CaseOutcome.RegisteredAndAdded => "client registered and added to your office",
        CaseOutcome.OptedInAndAdded => "client opted in and was added to your office",
        CaseOutcome.RemainsOptedOut => "client remains opted out",
        CaseOutcome.NotOptedOutNeedsReview => "client not opted out, needs your review",
        CaseOutcome.RegistrationNotCompleted => "registration not completed",
        CaseOutcome.NoSupervisorResponse => "no supervisor response",
        CaseOutcome.Withdrawn => "withdrawn",
        CaseOutcome.Failed => "needs attention",
        null => "closed",
    };

    private static string NextStep(CaseOutcome? outcome) => outcome switch
    {
        CaseOutcome.AlreadyInOffice => "The client is in your office in MIS. Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.AddedFromStatewide => "The client was found statewide and added to your office (Add Seeker to Office). Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.RegisteredAndAdded => "The client completed WorkSourceWA registration and was added to your office. Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.OptedInAndAdded => "The ESD WIOA supervisor opted the client in to data sharing and the client was added to your office. Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.RemainsOptedOut => "The client asked to remain opted out of data sharing. The ESD WIOA supervisor offered the client to work with an ESD WIOA staff member. You will not have access to the client's MIS record.",
        CaseOutcome.NotOptedOutNeedsReview => "The Opt-Out Lookup shows the client has not opted out, yet MIS search does not find them. Check the name and phone with the client (spelling, former names) and whether they completed WorkSourceWA registration.",
        CaseOutcome.RegistrationNotCompleted => "The client did not appear in MIS before the registration deadline. Contact the client and help them register a WorkSourceWA account (choosing Opt-In), then open a new case.",
        CaseOutcome.NoSupervisorResponse => "The ESD WIOA supervisor did not record a decision before the deadline, after reminders and escalation. Follow up with ESD directly.",
        CaseOutcome.Withdrawn => "The case was withdrawn. No further emails will be sent about it.",
        CaseOutcome.Failed => "The automation could not finish this case. A person needs to look at it; the detail below says where it stopped.",
        null => "",
    };

    private List<Para> SupervisorAsk(NotificationRequest r, bool first)
    {
        var c = r.Case;
        var link = links.CreateLink(c, DecisionRole.Supervisor);
        return
        [
            new($"Hello {c.Supervisor.Name},"),
            first
                ? new("A partner case manager cannot access a client's MIS record because the client has opted out of data sharing. The client would like to opt in.")
                : new($"This is reminder {r.Attempt} about a client waiting to opt in to data sharing."),
            new($"Client: {c.Client.FullName}"),
            new($"Phone: {c.Client.Phone}"),
            new($"Reason: {c.Reason}"),
            new($"Case manager: {c.CaseManager.Name} ({c.CaseManager.Email}), office {c.CaseManager.Office}"),
            new("The client has been asked to contact you. Once you have spoken with them: if they agree to opt in, find them with Quick Search in MIS, open Edit Job Seeker and clear the Opt-Out check-box; then record the decision. If they wish to remain opted out, offer them an ESD WIOA staff member and record that."),
            new("Record the decision", link),
        ];
    }

    private List<Para> Escalation(NotificationRequest r)
    {
        var c = r.Case;
        return
        [
            new($"Hello {c.EscalationContact.Name},"),
            new($"The ESD WIOA supervisor {c.Supervisor.Name} ({c.Supervisor.Email}) has not recorded an opt-in decision for case {c.CaseId} after {r.Attempt} reminder(s)."),
            new($"Client: {c.Client.FullName}, phone {c.Client.Phone}"),
            new($"Case manager: {c.CaseManager.Name} ({c.CaseManager.Email}), office {c.CaseManager.Office}"),
            new($"Reason: {c.Reason}"),
            new("You can record the decision on the supervisor's behalf", links.CreateLink(c, DecisionRole.EscalationContact)),
        ];
    }

    private static List<Para> ClientContactSupervisor(CaseParties c) =>
    [
        new($"Hello {c.Client.FirstName},"),
        new($"Your case manager {c.CaseManager.Name} cannot see your WorkSourceWA information because it is set to not be shared (Opt-Out)."),
        new($"Please contact the ESD WIOA supervisor, {c.Supervisor.Name}, at {c.Supervisor.Email}, and ask for help to opt in to data sharing. If you prefer to stay opted out, the supervisor can offer you an ESD WIOA staff member instead."),
        new($"Questions? Reply to your case manager at {c.CaseManager.Email}."),
    ];

    private static List<Para> ClientRegistration(CaseParties c) =>
    [
        new($"Hello {c.Client.FirstName},"),
        new("To receive services, please set up your WorkSourceWA account at https://www.worksourcewa.com/ ."),
        new("Important: during registration, choose 'Opt-In' to data sharing so that your case manager can see and help with your account."),
        new($"Your case manager {c.CaseManager.Name} ({c.CaseManager.Email}) can help you register."),
    ];

    private static List<Para> CaseManagerUpdate(NotificationRequest r) =>
    [
        new($"Hello {r.Case.CaseManager.Name},"),
        new($"Case {r.Case.CaseId} for {r.Case.Client.FullName}: {r.Detail}"),
    ];

    private static List<Para> CaseManagerOutcome(NotificationRequest r)
    {
        var list = new List<Para>
        {
            new($"Hello {r.Case.CaseManager.Name},"),
            new($"Case {r.Case.CaseId} for {r.Case.Client.FullName} is closed: {OutcomeTitle(r.Outcome)}."),
            new(NextStep(r.Outcome)),
        };
        if (!string.IsNullOrWhiteSpace(r.Detail))
        {
            list.Add(new($"Detail: {r.Detail}"));
        }

        return list;
    }

    private static List<Para> OptInNotVisible(NotificationRequest r) =>
    [
        new($"Hello {r.Case.Supervisor.Name},"),
        new($"You recorded that {r.Case.Client.FullName} opted in (case {r.Case.CaseId}), but partner searches in MIS still do not find the client after several checks."),
        new("Please check in MIS (Edit Job Seeker) that the Opt-Out check-box is cleared, and reply to the case manager."),
        new($"Case manager: {r.Case.CaseManager.Name} ({r.Case.CaseManager.Email})"),
    ];

    private static List<Para> SupervisorClosed(NotificationRequest r) =>
    [
        new($"Hello {r.Case.Supervisor.Name},"),
        new($"Case {r.Case.CaseId} for {r.Case.Client.FullName} is closed ({OutcomeTitle(r.Outcome)}). You do not need to record a decision for it."),
    ];

    /// <summary>
    /// The scan's digest to the escalation contact, sent under <paramref name="key"/>: the listed cases grouped by kind,
    /// each group with what to do. Only case id, client name, office, case manager, stage and since when: no SSN, not
    /// even masked, and no phone, email or reason.
    /// </summary>
    public static EmailMessage StaleDigest(string key, string date, Contact to, EscalationOptions settings, IReadOnlyList<StaleCase> cases)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cases);
        var subject = $"Opt-out cases needing attention {date}: {cases.Count} case(s)";
        var paragraphs = new List<Para>
        {
            new($"Hello {to.Name},"),
            new($"The daily scan of opt-out cases found {cases.Count} case(s) that need attention, grouped below with what to do. Times are UTC."),
        };
        foreach (var group in cases.GroupBy(c => c.Kind).OrderBy(g => g.Key))
        {
            var (title, todo) = DigestGroup(group.Key, settings);
            paragraphs.Add(new Para($"{title} ({group.Count()})", Heading: true));
            paragraphs.Add(new Para($"What to do: {todo}"));
            paragraphs.AddRange(group.OrderBy(c => c.CaseId, StringComparer.Ordinal).Select(c => new Para(DigestLine(c), Item: true)));
        }

        paragraphs.Add(new("Runbook: docs/operations.md (\"What the alerts mean\", \"Restarting stuck cases\")."));
        return new EmailMessage(key, to, subject, Text(paragraphs), Html(subject, paragraphs));
    }

    private static (string Title, string Todo) DigestGroup(StaleKind kind, EscalationOptions o) => kind switch
    {
        StaleKind.AwaitingSupervisor => (
            $"Waiting on an ESD WIOA supervisor decision for more than {Duration(o.StaleAfter)}",
            "follow up with the office's ESD WIOA supervisor. The case keeps sending reminders and closes as NoSupervisorResponse at its deadline; the escalation email has a link to record the decision on the supervisor's behalf. Each case's timeline records this digest."),
        StaleKind.AwaitingRegistration => (
            $"Client has not completed WorkSourceWA registration after {Duration(o.RegistrationStaleAfter)}",
            "ask the case manager to contact the client and help them register (choosing Opt-In). MIS is re-checked automatically and the case continues by itself when the client appears, or closes as RegistrationNotCompleted at its deadline. Nothing to fix in the system."),
        StaleKind.StuckInStep => (
            $"Stuck for more than {Duration(o.StuckAfter)} in a step that normally takes seconds (MIS search, Opt-Out Lookup, adding to the office, or an email)",
            "check the MIS gateway health (and SendGrid for a case shown at stage Closed or at an email step), and the failures for the case id in Application Insights. The case resumes by itself when the MIS answers; if it has not moved once the MIS is healthy, restart the Function App, or terminate the case and open a new one (docs/operations.md, \"Restarting stuck cases\")."),
        StaleKind.NeverStarted => (
            $"Accepted but never started (runtime status Pending for more than {Duration(o.PendingAfter)})",
            "the workflow engine is not running these cases: check that the Function App is running (GET /api/health), that it can reach its storage account, and whether a rollback left cases started by a newer version (docs/operations.md, \"Deploying a new version\"). They start by themselves once the engine picks them up."),
        StaleKind.RuntimeFailed => (
            "Runtime failure: the workflow crashed (runtime status Failed)",
            $"the orchestration stopped on an unexpected error, so the case manager was NOT sent an outcome email. Look at the exception in Application Insights (search the case id in exceptions and traces), fix the cause, tell the case manager, and open a new case with a new case id. Listed for {Duration(o.FailureListedFor)} after it stopped; purged with the other closed cases after retention."),
        StaleKind.Terminated => (
            "Terminated by an operator",
            $"someone ended these cases with the Durable tooling; the workflow sent no outcome email. Make sure the case manager knows, and open a new case if the client still needs one. Listed for {Duration(o.FailureListedFor)} after termination."),
    };

    private static string DigestLine(StaleCase c)
    {
        var who = $"Case {c.CaseId}: {(c.ClientName.Length > 0 ? c.ClientName : "(client name not recorded)")}, office {c.Office}, case manager {c.CaseManager}";
        var since = c.Since.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        return c.Kind switch
        {
            StaleKind.AwaitingSupervisor => $"{who}, waiting since {since}, {c.RemindersSent} reminder(s) sent.",
            StaleKind.AwaitingRegistration => $"{who}, waiting since {since}.",
            StaleKind.StuckInStep => $"{who}, at stage {c.Stage} since {since}.",
            StaleKind.NeverStarted => $"{who}, accepted {since}, not started.",
            StaleKind.RuntimeFailed => $"{who}, crashed at stage {c.Stage} at {since}.",
            StaleKind.Terminated => $"{who}, terminated at stage {c.Stage} at {since}.",
        };
    }

    /// <summary>"5 day(s)", "1 hour(s)", "10 minute(s)", "30 second(s)": the largest whole unit that states the span.</summary>
    internal static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => $"{span.TotalDays:0.##} day(s)",
        { TotalHours: >= 1 } => $"{span.TotalHours:0.##} hour(s)",
        { TotalMinutes: >= 1 } => $"{span.TotalMinutes:0.##} minute(s)",
        _ => $"{span.TotalSeconds:0.##} second(s)",
    };

    private static Contact CaseManager(CaseParties c) => new(c.CaseManager.Name, c.CaseManager.Email);

    private static string Text(List<Para> paragraphs)
    {
        var sb = new StringBuilder();
        foreach (var p in paragraphs)
        {
            sb.Append(p switch
            {
                { Link: not null } => $"{p.Text}: {p.Link}\n\n",
                { Heading: true } => $"== {p.Text} ==\n\n",
                { Item: true } => $"- {p.Text}\n",
                _ => $"{p.Text}\n\n",
            });
        }

        return sb.Append("-- Opt-Out Case Automation (OWDC 5212PRO)\n").ToString();
    }

    private static string Html(string subject, List<Para> paragraphs)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
          .Append(WebUtility.HtmlEncode(subject))
          .Append("</title></head><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:15px;line-height:1.5\">");
        foreach (var p in paragraphs)
        {
            sb.Append(p switch
            {
                { Link: not null } => $"<p><a href=\"{WebUtility.HtmlEncode(p.Link)}\" style=\"display:inline-block;padding:10px 16px;background:#0b5cad;color:#fff;text-decoration:none;border-radius:4px\">{WebUtility.HtmlEncode(p.Text)}</a></p>",
                { Heading: true } => $"<h3 style=\"font-size:16px;margin:18px 0 4px\">{WebUtility.HtmlEncode(p.Text)}</h3>",
                { Item: true } => $"<p style=\"margin:2px 0 2px 16px\">&bull; {WebUtility.HtmlEncode(p.Text)}</p>",
                _ => $"<p>{WebUtility.HtmlEncode(p.Text)}</p>",
            });
        }

        return sb.Append("<p style=\"color:#555;font-size:12px\">Opt-Out Case Automation (OWDC 5212PRO)</p></body></html>").ToString();
    }

    private sealed record Para(string Text, string? Link = null, bool Heading = false, bool Item = false);
}
