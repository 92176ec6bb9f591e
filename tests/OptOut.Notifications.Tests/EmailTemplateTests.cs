using System.Text.RegularExpressions;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;

namespace OptOut.Notifications.Tests;

/// <summary>The emails as rendered: who gets which, what each must say, encoding, and no SSN in any form.</summary>
public sealed partial class EmailTemplateTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string EncodedScript = "&lt;script&gt;alert(1)&lt;/script&gt;";

    private readonly DecisionTokens _tokens = TestCases.Tokens();

    private EmailTemplates Templates => new(_tokens);

    public static TheoryData<NotificationKind> Kinds() => [.. Enum.GetValues<NotificationKind>()];

    public static TheoryData<CaseOutcome> Outcomes() => [.. Enum.GetValues<CaseOutcome>()];

    /// <summary>What the case manager must be told to do next, per outcome. A new outcome fails here until it has one.</summary>
    private static readonly Dictionary<CaseOutcome, string[]> NextSteps = new()
    {
        [CaseOutcome.AlreadyInOffice] = ["in your office", "proceed with program information and/or enrollment"],
        [CaseOutcome.AddedFromStatewide] = ["added to your office", "Add Seeker to Office", "proceed with program information and/or enrollment"],
        [CaseOutcome.RegisteredAndAdded] = ["completed WorkSourceWA registration", "proceed with program information and/or enrollment"],
        [CaseOutcome.OptedInAndAdded] = ["opted the client in", "proceed with program information and/or enrollment"],
        [CaseOutcome.RemainsOptedOut] = ["remain opted out", "ESD WIOA staff member", "will not have access"],
        [CaseOutcome.NotOptedOutNeedsReview] = ["has not opted out", "Check the name and phone with the client"],
        [CaseOutcome.RegistrationNotCompleted] = ["help them register", "choosing Opt-In", "open a new case"],
        [CaseOutcome.NoSupervisorResponse] = ["did not record a decision", "Follow up with ESD directly"],
        [CaseOutcome.Withdrawn] = ["withdrawn", "No further emails"],
        [CaseOutcome.Failed] = ["could not finish", "A person needs to look at it"],
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_renders_a_complete_text_and_html_email(NotificationKind kind)
    {
        var request = new NotificationRequest(kind, TestCases.Parties(), Attempt: 2, Outcome: CaseOutcome.Withdrawn, Detail: "the detail");
        var m = Templates.Render(request);

        Assert.Equal(request.MessageKey, m.Key);
        Assert.Equal($"case-tpl-1:{kind}:2", m.Key);
        Assert.Contains("@", m.To.Email, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(m.To.Name));
        Assert.False(string.IsNullOrWhiteSpace(m.Subject));
        Assert.DoesNotContain('\n', m.Subject);
        Assert.EndsWith("-- Opt-Out Case Automation (OWDC 5212PRO)\n", m.TextBody, StringComparison.Ordinal);
        Assert.True(m.TextBody.Length > 80, $"{kind}: text body too short: {m.TextBody}");
        Assert.StartsWith("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>", m.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"<title>{System.Net.WebUtility.HtmlEncode(m.Subject)}</title>", m.HtmlBody, StringComparison.Ordinal);
        Assert.EndsWith("</body></html>", m.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(Regex.Count(m.HtmlBody, "<p[ >]"), Regex.Count(m.HtmlBody, "</p>"));
    }

    [Theory]
    [InlineData(NotificationKind.SupervisorRequest, "pat.supervisor@example.org")]
    [InlineData(NotificationKind.SupervisorReminder, "pat.supervisor@example.org")]
    [InlineData(NotificationKind.SupervisorOptInNotVisible, "pat.supervisor@example.org")]
    [InlineData(NotificationKind.SupervisorCaseClosed, "pat.supervisor@example.org")]
    [InlineData(NotificationKind.SupervisorEscalation, "morgan.escalation@example.org")]
    [InlineData(NotificationKind.ClientContactSupervisor, "elena@example.net")]
    [InlineData(NotificationKind.ClientRegistrationInstructions, "elena@example.net")]
    [InlineData(NotificationKind.CaseManagerUpdate, "casey.manager@example.org")]
    [InlineData(NotificationKind.CaseManagerOutcome, "casey.manager@example.org")]
    public void Each_kind_goes_to_the_person_the_procedure_names(NotificationKind kind, string to)
    {
        Assert.Equal(to, Templates.Render(new NotificationRequest(kind, TestCases.Parties(), Outcome: CaseOutcome.Withdrawn)).To.Email);
        Assert.Equal(9, Enum.GetValues<NotificationKind>().Length); // a new kind needs a row above
    }

    [Fact]
    public void Client_without_email_gets_an_empty_recipient_that_the_activity_skips()
    {
        var m = Templates.Render(new NotificationRequest(NotificationKind.ClientContactSupervisor, CaseParties.Of(TestCases.Case(clientEmail: null))));
        Assert.Equal("", m.To.Email);
    }

    [Fact]
    public void Unknown_kind_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Templates.Render(new NotificationRequest((NotificationKind)99, TestCases.Parties())));

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Every_outcome_tells_the_case_manager_a_specific_next_step(CaseOutcome outcome)
    {
        var m = Templates.Render(new NotificationRequest(NotificationKind.CaseManagerOutcome, TestCases.Parties(), Outcome: outcome, Detail: "Detail from the workflow."));

        Assert.True(NextSteps.TryGetValue(outcome, out var phrases), $"No expected next step for {outcome}: add one to NextSteps and to EmailTemplates.");
        foreach (var phrase in phrases)
        {
            Assert.Contains(phrase, m.TextBody, StringComparison.Ordinal);
        }

        Assert.Contains($"closed: {EmailTemplates.OutcomeTitle(outcome)}", m.Subject, StringComparison.Ordinal);
        Assert.Contains("Detail: Detail from the workflow.", m.TextBody, StringComparison.Ordinal);
        Assert.Equal("casey.manager@example.org", m.To.Email);
    }

    [Fact]
    public void Outcome_emails_differ_from_each_other()
    {
        var bodies = Enum.GetValues<CaseOutcome>()
            .Select(o => Templates.Render(new NotificationRequest(NotificationKind.CaseManagerOutcome, TestCases.Parties(), Outcome: o)))
            .ToList();
        Assert.Equal(bodies.Count, bodies.Select(b => b.TextBody).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(bodies.Count, bodies.Select(b => b.Subject).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Script_in_names_reason_and_detail_is_encoded_in_html_and_raw_in_text(NotificationKind kind)
    {
        var c = CaseParties.Of(TestCases.Case(firstName: Script, lastName: "\"><img src=x onerror=alert(2)>", reason: Script, caseManager: Script));
        var m = Templates.Render(new NotificationRequest(kind, c, Outcome: CaseOutcome.Failed, Detail: Script));

        Assert.DoesNotContain("<script", m.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", m.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(EncodedScript, m.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(Script, m.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(EncodedScript, m.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_in_the_reason_reaches_the_supervisor_encoded_in_html_and_as_written_in_text()
    {
        var m = Templates.Render(new NotificationRequest(NotificationKind.SupervisorRequest, CaseParties.Of(TestCases.Case(reason: Script))));
        Assert.Contains($"<p>Reason: {EncodedScript}</p>", m.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"Reason: {Script}\n", m.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void No_email_carries_the_ssn_in_any_form(NotificationKind kind)
    {
        foreach (var outcome in Enum.GetValues<CaseOutcome>())
        {
            var c = TestCases.Case();
            var m = Templates.Render(new NotificationRequest(kind, CaseParties.Of(c), Outcome: outcome, Detail: "Verified."));
            foreach (var body in new[] { m.Subject, m.TextBody, m.HtmlBody })
            {
                var withoutLinks = DecisionLink().Replace(body, "[link]");
                Assert.DoesNotContain(TestCases.Ssn, body, StringComparison.Ordinal);
                Assert.DoesNotContain("521-33-6789", body, StringComparison.Ordinal);
                Assert.DoesNotContain("521 33 6789", body, StringComparison.Ordinal);
                Assert.DoesNotContain("***-**-", body, StringComparison.Ordinal);
                Assert.DoesNotContain(TestCases.SsnLast4, withoutLinks, StringComparison.Ordinal);
                Assert.DoesNotContain(c.Client.ProtectedSsn, body, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\b\d{3}-\d{2}-\d{4}\b|\b\d{9}\b", withoutLinks);
                // Outside the links: a signed token is random base64url and can spell "ssn" by chance.
                Assert.DoesNotContain("SSN", withoutLinks, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Theory]
    [InlineData(NotificationKind.SupervisorRequest)]
    [InlineData(NotificationKind.SupervisorReminder)]
    [InlineData(NotificationKind.SupervisorEscalation)]
    public void Supervisor_emails_have_client_name_phone_reason_case_manager_and_a_working_decision_link(NotificationKind kind)
    {
        var c = TestCases.Parties();
        var m = Templates.Render(new NotificationRequest(kind, c, Attempt: 2));

        foreach (var expected in new[] { "Elena Optout", "360-555-0199", "Client wants to enroll in WIOA Adult training.", "Casey Manager", "casey.manager@example.org", "port-angeles" })
        {
            Assert.Contains(expected, m.TextBody, StringComparison.Ordinal);
            Assert.Contains(expected, m.HtmlBody, StringComparison.Ordinal);
        }

        var link = Assert.Single(DecisionLink().Matches(m.TextBody)).Value;
        Assert.StartsWith($"{TestCases.BaseUrl}/api/decisions/", link, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{link}\"", m.HtmlBody, StringComparison.Ordinal);
        var info = _tokens.Read(link[(link.LastIndexOf('/') + 1)..]);
        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal(c.CaseId, info.CaseId);
        // The escalation contact's link is theirs: it records them (not the supervisor) as the decider.
        var (role, recipient) = kind == NotificationKind.SupervisorEscalation ? (DecisionRole.EscalationContact, c.EscalationContact) : (DecisionRole.Supervisor, c.Supervisor);
        Assert.Equal(role, info.Role);
        Assert.Equal(_tokens.RecipientTag(role, recipient.Email), info.SupervisorTag);
        Assert.Contains("Elena Optout", m.Subject, StringComparison.Ordinal);
        Assert.Contains(c.CaseId, m.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Supervisor_request_says_what_to_do_in_mis_and_reminder_counts()
    {
        var request = Templates.Render(new NotificationRequest(NotificationKind.SupervisorRequest, TestCases.Parties()));
        Assert.Contains("Edit Job Seeker", request.TextBody, StringComparison.Ordinal);
        Assert.Contains("clear the Opt-Out check-box", request.TextBody, StringComparison.Ordinal);
        Assert.Contains("offer them an ESD WIOA staff member", request.TextBody, StringComparison.Ordinal);
        Assert.Contains(">Record the decision</a>", request.HtmlBody, StringComparison.Ordinal);

        var reminder = Templates.Render(new NotificationRequest(NotificationKind.SupervisorReminder, TestCases.Parties(), Attempt: 3));
        Assert.StartsWith("Reminder 3:", reminder.Subject, StringComparison.Ordinal);
        Assert.Contains("reminder 3", reminder.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_email_asks_the_client_to_contact_the_supervisor()
    {
        var m = Templates.Render(new NotificationRequest(NotificationKind.ClientContactSupervisor, TestCases.Parties()));
        Assert.Contains("contact the ESD WIOA supervisor", m.Subject, StringComparison.Ordinal);
        Assert.Contains("Please contact the ESD WIOA supervisor, Pat Supervisor, at pat.supervisor@example.org", m.TextBody, StringComparison.Ordinal);
        Assert.Contains("opt in to data sharing", m.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/decisions/", m.TextBody, StringComparison.Ordinal); // the decision link is the supervisor's alone
    }

    [Fact]
    public void Registration_email_says_to_choose_opt_in()
    {
        var m = Templates.Render(new NotificationRequest(NotificationKind.ClientRegistrationInstructions, TestCases.Parties()));
        Assert.Contains("choose Opt-In", m.Subject, StringComparison.Ordinal);
        Assert.Contains("choose 'Opt-In' to data sharing", m.TextBody, StringComparison.Ordinal);
        Assert.Contains("WorkSourceWA", m.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/decisions/", m.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NotificationKind.ClientContactSupervisor)]
    [InlineData(NotificationKind.ClientRegistrationInstructions)]
    [InlineData(NotificationKind.CaseManagerUpdate)]
    [InlineData(NotificationKind.CaseManagerOutcome)]
    [InlineData(NotificationKind.SupervisorOptInNotVisible)]
    [InlineData(NotificationKind.SupervisorCaseClosed)]
    public void Only_supervisor_and_escalation_emails_carry_a_decision_link(NotificationKind kind) =>
        Assert.DoesNotContain("/api/decisions/", Templates.Render(new NotificationRequest(kind, TestCases.Parties(), Outcome: CaseOutcome.Withdrawn)).HtmlBody, StringComparison.Ordinal);

    [GeneratedRegex(@"https?://[^\s""<]+/api/decisions/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex DecisionLink();
}
