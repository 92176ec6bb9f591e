using OptOut.Workflow.Access;
using Microsoft.Extensions.DependencyInjection;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>
/// Every branch of 5212PRO on the in-process durable engine (real replay, timers and events), asserting the outcome,
/// the timeline, which MIS lookups ran and which emails went to whom.
/// </summary>
public sealed class ProcedureBranchTests : EngineFixture
{
    private RecordingMis Mis => (RecordingMis)Host.Services.GetRequiredService<IMisGateway>();

    // No reminders during these tests; registration re-checks every second, with a deadline no test reaches (a
    // registration or withdrawal lands whenever the test gets to it). The deadline is played on its own engine.
    protected override void Settings(Dictionary<string, string?> settings)
    {
        settings.SupervisorWait(TimeSpan.FromMinutes(5), escalateAfter: TimeSpan.FromMinutes(10), deadline: TimeSpan.FromMinutes(20));
        settings["Workflow:RegistrationDeadline"] = "00:20:00";
    }

    protected override void Services(IServiceCollection services) =>
        services.AddSingleton<IMisGateway>(sp => new RecordingMis(sp.GetRequiredService<MisSimulator>()));

    [Fact]
    public async Task Step1_client_found_by_office_quick_search_is_already_in_office()
    {
        var id = await Host.StartAsync(Requests.For("S-1001", "b1"));
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.AlreadyInOffice), c.Outcome);
        Assert.Equal(["Received", "Office Quick Search", "Closed"], Steps(c));
        // The statewide search is sent with the office Quick Search (one orchestrator step); its result is not used here.
        Assert.Equal(["office-search port-angeles Alice Inoffice", "statewide-search Alice Inoffice"], Mis.CallsFor("Inoffice").Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Mis.Calls, x => x.StartsWith("add S-1001", StringComparison.Ordinal) || x.StartsWith("opt-out-lookup ***-**-0001", StringComparison.Ordinal));
        Assert.Equal([Key(id, NotificationKind.CaseManagerOutcome)], Keys(id));
    }

    [Fact]
    public async Task Step2a_client_found_statewide_is_added_to_the_office_and_case_manager_told()
    {
        var id = await Host.StartAsync(Requests.For("S-1002", "b2"));
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.AddedFromStatewide), c.Outcome);
        Assert.Equal(["Received", "Office Quick Search", "Statewide search", "Add Seeker to Office", "Closed"], Steps(c));
        var calls = Mis.CallsFor("Statewide");
        Assert.Equal(["office-search port-angeles Bruno Statewide", "statewide-search Bruno Statewide"], calls.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(["add S-1002 port-angeles"], calls.Skip(2));
        Assert.Contains("port-angeles", Host.Mis.Find("S-1002")!.Offices);
        var email = Email(id, NotificationKind.CaseManagerOutcome);
        Assert.Equal("casey.manager@example.org", email.To.Email);
        Assert.Contains("client added to your office", email.Subject, StringComparison.Ordinal);
        Assert.Contains("proceed with program information and/or enrollment", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step2b_unregistered_client_gets_opt_in_instructions_and_is_added_once_registered()
    {
        Host.Mis.Add(Unregistered("S-2031", "Hana", "Register", "360-555-0131", "521220031"));
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1003", "b3a", hasAccount: false), "Hana", "Register", "360-555-0131", "521-22-0031"));
        var waiting = await Host.WaitForStageAsync(id, CaseStage.AwaitingRegistration);
        Assert.Contains("Registration needed", Steps(waiting));

        var instructions = Email(id, NotificationKind.ClientRegistrationInstructions);
        Assert.Equal("client@example.net", instructions.To.Email);
        Assert.Contains("choose 'Opt-In'", instructions.TextBody, StringComparison.Ordinal);
        Assert.Contains("no WorkSourceWA account", Email(id, NotificationKind.CaseManagerUpdate).TextBody, StringComparison.Ordinal);

        await Host.WaitForAsync(id, v => v.Timeline.Count > 0 && Mis.CallsFor("Register").Count(x => x.StartsWith("statewide", StringComparison.Ordinal)) >= 2);
        Host.Mis.Register("S-2031");
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.RegisteredAndAdded), c.Outcome);
        Assert.Contains("Registration found", Steps(c));
        Assert.Contains("port-angeles", Host.Mis.Find("S-2031")!.Offices);
        Assert.DoesNotContain(Mis.Calls, x => x.StartsWith("opt-out-lookup ***-**-0031", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Step2b_client_who_never_registers_closes_at_the_deadline_and_case_manager_is_told()
    {
        // Its own engine: a re-check every second, the deadline at 4 s.
        await using var host = await WorkflowTestHost.StartAsync(
            s => s["Workflow:RegistrationDeadline"] = "00:00:04",
            services => services.AddSingleton<IMisGateway>(sp => new RecordingMis(sp.GetRequiredService<MisSimulator>())));
        var mis = (RecordingMis)host.Services.GetRequiredService<IMisGateway>();
        host.Mis.Add(Unregistered("S-2032", "Ivan", "Never", "360-555-0132", "521220032"));
        var id = await host.StartAsync(WithSsn(Requests.For("S-1003", "b3b", hasAccount: false), "Ivan", "Never", "360-555-0132", "521-22-0032"));
        var c = await host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.RegistrationNotCompleted), c.Outcome);
        // MIS is re-checked on a durable timer until the deadline: each execution sets one timer, for the next re-check
        // (WaitingSince + n s) or the deadline, whichever is first; each fired timer is one statewide search. How many
        // fire before the deadline depends on the machine; what they are does not.
        var timers = host.TimersSet(id);
        var since = c.WaitingSince!.Value;
        Assert.NotEmpty(timers);
        Assert.Equal(Enumerable.Range(1, timers.Count).Select(n => since.AddSeconds(n)), timers);
        Assert.Equal(1 + timers.Count, mis.CallsFor("Never").Count(x => x.StartsWith("statewide", StringComparison.Ordinal)));
        Assert.Contains($"after {timers.Count} check(s)", c.Detail, StringComparison.Ordinal);
        Assert.True(c.ClosedAt >= since.AddSeconds(4), $"closed at {c.ClosedAt:O}, before the deadline {since.AddSeconds(4):O}");
        Assert.Contains("registration not completed", host.Mailbox.For(id).Single(m => m.Message.Key == Key(id, NotificationKind.CaseManagerOutcome)).Message.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step3_registered_but_hidden_and_not_opted_out_goes_to_a_person_for_review()
    {
        var id = await Host.StartAsync(Requests.For("S-1004", "b4"));
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.NotOptedOutNeedsReview), c.Outcome);
        Assert.Equal(["Received", "Office Quick Search", "Statewide search", "Opt-Out Lookup", "Closed"], Steps(c));
        Assert.Contains("opt-out-lookup ***-**-0004", Mis.Calls);
        var email = Email(id, NotificationKind.CaseManagerOutcome);
        Assert.Contains("needs your review", email.Subject, StringComparison.Ordinal);
        Assert.Contains("Check the name and phone", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step4_and_5_opted_out_client_supervisor_emailed_with_decision_link_and_client_asked_to_call()
    {
        var id = await Host.StartAsync(Requests.For("S-1006", "b5"));
        // The stage is AwaitingSupervisor from the step that schedules the emails; wait for them to be recorded.
        var c = await Host.WaitForAsync(id, v => v.Timeline.Any(t => t.Step == "Client emailed"));
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), c.Stage);

        Assert.Equal(["Received", "Office Quick Search", "Statewide search", "Opt-Out Lookup", "Opted out", "Supervisor emailed", "Client emailed"], Steps(c));
        Assert.Contains("Staysout, Farid", c.Timeline.Single(t => t.Step == "Opted out").Detail, StringComparison.Ordinal);
        var supervisor = Email(id, NotificationKind.SupervisorRequest);
        Assert.Equal("pat.supervisor@example.org", supervisor.To.Email);
        foreach (var expected in new[] { "Farid Staysout", "360-555-0106", "Client wants to enroll in WIOA Adult training.", "Casey Manager", "/api/decisions/" })
        {
            Assert.Contains(expected, supervisor.TextBody, StringComparison.Ordinal);
        }

        var client = Email(id, NotificationKind.ClientContactSupervisor);
        Assert.Equal("client@example.net", client.To.Email);
        Assert.Contains("contact the ESD WIOA supervisor, Pat Supervisor", client.TextBody, StringComparison.Ordinal);
        Assert.NotNull(c.WaitingSince);
    }

    [Fact]
    public async Task Step5_without_a_client_email_the_case_manager_is_asked_to_pass_the_message_on()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2051", FirstName = "Jun", LastName = "Noemail", Phone = "360-555-0151", Ssn = "521220051", OptedOut = true });
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1006", "b5b", clientEmail: null), "Jun", "Noemail", "360-555-0151", "521-22-0051"));
        var c = await Host.WaitForSupervisorEmailedAsync(id);

        Assert.DoesNotContain("Client emailed", Steps(c));
        Assert.DoesNotContain(Key(id, NotificationKind.ClientContactSupervisor), Keys(id));
        Assert.Contains("please ask the client to contact the supervisor", Email(id, NotificationKind.CaseManagerUpdate).TextBody, StringComparison.Ordinal);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "test cleanup", default)).Disposition);
    }

    [Fact]
    public async Task Step6a_opted_in_decision_verifies_visibility_adds_to_office_and_tells_case_manager_to_enroll()
    {
        var id = await Host.StartAsync(Requests.For("S-1005", "b7"));
        await Host.WaitForSupervisorEmailedAsync(id);
        Host.Mis.OptIn("S-1005"); // the supervisor clears the Opt-Out box in MIS
        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(TokenFor(id), DecisionChoice.OptedIn, "Spoke with Elena.", null, default)).Disposition);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.OptedInAndAdded), c.Outcome);
        Assert.Equal(["Supervisor decision", "Add Seeker to Office", "Closed"], Steps(c)[^3..]);
        Assert.Equal(SupervisorDecision.OptedInValue, c.Decision);
        Assert.Contains("add S-1005 port-angeles", Mis.Calls);
        Assert.Contains("Contact the client and proceed with program information and/or enrollment", Email(id, NotificationKind.CaseManagerOutcome).TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step6a_opted_in_but_still_hidden_after_retries_fails_and_tells_supervisor_and_case_manager()
    {
        var id = await Host.StartAsync(Requests.For("S-1007", "b7b"));
        await Host.WaitForSupervisorEmailedAsync(id);
        Host.Mis.OptIn("S-1007");
        await Host.Decide.DecideAsync(TokenFor(id), DecisionChoice.OptedIn, null, null, default);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.Failed), c.Outcome);
        Assert.Equal(2, Steps(c).Count(s => s == "Not visible yet"));
        Assert.Equal(3, Mis.CallsFor("Lagging").Count(x => x.StartsWith("statewide", StringComparison.Ordinal)) - 1); // 1 before the lookup + 3 checks
        Assert.Equal("pat.supervisor@example.org", Email(id, NotificationKind.SupervisorOptInNotVisible).To.Email);
        Assert.Contains("needs attention", Email(id, NotificationKind.CaseManagerOutcome).Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step6a_opted_in_client_who_becomes_visible_on_a_later_check_is_added_after_one_not_visible_yet()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2071", FirstName = "Nia", LastName = "Later", Phone = "360-555-0171", Ssn = "521220071", OptedOut = true, HiddenSearchesAfterOptIn = 1 });
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1005", "b7c"), "Nia", "Later", "360-555-0171", "521-22-0071"));
        await Host.WaitForSupervisorEmailedAsync(id);
        Host.Mis.OptIn("S-2071"); // MIS hides her from the first search after the opt-in, shows her from the second
        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(TokenFor(id), DecisionChoice.OptedIn, null, null, default)).Disposition);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.OptedInAndAdded), c.Outcome);
        Assert.Equal(["Supervisor decision", "Not visible yet", "Add Seeker to Office", "Closed"], Steps(c)[^4..]);
        Assert.Contains("Check 1 of 3", c.Timeline.Single(t => t.Step == "Not visible yet").Detail, StringComparison.Ordinal);
        Assert.Equal(3, Mis.CallsFor("Later").Count(x => x.StartsWith("statewide", StringComparison.Ordinal))); // 1 before the lookup + 2 checks
        Assert.Contains("add S-2071 port-angeles", Mis.Calls);
        Assert.Contains("port-angeles", Host.Mis.Find("S-2071")!.Offices);
        Assert.DoesNotContain(Key(id, NotificationKind.SupervisorOptInNotVisible), Keys(id));
    }

    [Fact]
    public async Task Withdraw_at_a_stage_that_does_not_wait_is_refused_and_the_case_goes_on_unchanged()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2081", FirstName = "Ora", LastName = "Searching", Phone = "360-555-0181", Ssn = "521220081", Offices = { "port-angeles" } });
        var hold = Mis.HoldSearches("Searching");
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1001", "b9c"), "Ora", "Searching", "360-555-0181", "521-22-0081"));
        await hold.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Host.WaitForStageAsync(id, CaseStage.SearchingOffice);

        var refused = await Host.Withdraw.HandleAsync(Caller.System, id, "too early", default);

        Assert.Equal(CommandDisposition.Conflict, refused.Disposition);
        Assert.Contains("SearchingOffice", refused.Message, StringComparison.Ordinal);
        // Nothing was sent to the case (the refusal raised no event), and once the search answers it runs to its outcome.
        Assert.DoesNotContain(Host.Durable.For(id), r => r.Kind.StartsWith("send:", StringComparison.Ordinal));
        hold.Release.TrySetResult();
        var c = await Host.WaitForClosedAsync(id);
        Assert.Equal(nameof(CaseOutcome.AlreadyInOffice), c.Outcome);
        Assert.DoesNotContain("Withdrawn", Steps(c));
        Assert.DoesNotContain(Host.Durable.For(id), r => r.Kind == "history:EventRaised");
    }

    [Fact]
    public async Task Step6f_client_who_remains_opted_out_partner_staff_told_about_esd_wioa_staff()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2061", FirstName = "Omar", LastName = "Remains", Phone = "360-555-0161", Ssn = "521220061", OptedOut = true });
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1006", "b8"), "Omar", "Remains", "360-555-0161", "521-22-0061"));
        await Host.WaitForSupervisorEmailedAsync(id);
        await Host.Decide.DecideAsync(TokenFor(id), DecisionChoice.RemainOptedOut, "Prefers ESD staff.", null, default);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), c.Outcome);
        Assert.DoesNotContain(Mis.Calls, x => x.StartsWith("add S-2061", StringComparison.Ordinal));
        var email = Email(id, NotificationKind.CaseManagerOutcome);
        Assert.Contains("client remains opted out", email.Subject, StringComparison.Ordinal);
        Assert.Contains("offered the client to work with an ESD WIOA staff member", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("Prefers ESD staff.", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Withdraw_while_awaiting_supervisor_tells_everyone_and_later_commands_conflict()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2091", FirstName = "Kai", LastName = "Withdraw", Phone = "360-555-0191", Ssn = "521220091", OptedOut = true });
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1006", "b9"), "Kai", "Withdraw", "360-555-0191", "521-22-0091"));
        await Host.WaitForSupervisorEmailedAsync(id);
        var token = TokenFor(id);

        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "Client moved away.", default)).Disposition);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.Withdrawn), c.Outcome);
        Assert.Equal("The case was withdrawn. Reason: Client moved away.", c.Timeline.Single(t => t.Step == "Withdrawn").Detail); // the app itself: no person named
        Assert.Equal("pat.supervisor@example.org", Email(id, NotificationKind.SupervisorCaseClosed).To.Email);
        Assert.Contains("withdrawn", Email(id, NotificationKind.CaseManagerOutcome).Subject, StringComparison.Ordinal);
        Assert.Equal(CommandDisposition.Conflict, (await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, null, default)).Disposition);
        Assert.Equal(CommandDisposition.Conflict, (await Host.Withdraw.HandleAsync(Caller.System, id, null, default)).Disposition);
    }

    [Fact]
    public async Task Withdraw_while_awaiting_registration_closes_the_case()
    {
        Host.Mis.Add(Unregistered("S-2092", "Lee", "Waiting", "360-555-0192", "521220092"));
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1003", "b9b", hasAccount: false), "Lee", "Waiting", "360-555-0192", "521-22-0092"));
        await Host.WaitForStageAsync(id, CaseStage.AwaitingRegistration);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, null, default)).Disposition);
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.Withdrawn), c.Outcome);
        Assert.DoesNotContain(Key(id, NotificationKind.SupervisorCaseClosed), Keys(id));
        Assert.Equal(CommandDisposition.NotFound, (await Host.Withdraw.HandleAsync(Caller.System, "no-such-case", null, default)).Disposition);
    }

    [Fact]
    public async Task Transient_mis_failure_is_retried_and_the_case_still_succeeds()
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2101", FirstName = "Mia", LastName = "Flaky", Phone = "360-555-0101", Ssn = "521220101", Offices = { "bremerton" } });
        Mis.FailNext("search", 1);
        var id = await Host.StartAsync(WithSsn(Requests.For("S-1001", "retry-ok", office: "bremerton"), "Mia", "Flaky", "360-555-0101", "521-22-0101"));
        var c = await Host.WaitForClosedAsync(id);

        Assert.Equal(nameof(CaseOutcome.AlreadyInOffice), c.Outcome);
        // The office and statewide searches go out together; the one that failed was retried once.
        Assert.Equal(3, Mis.CallsFor("Flaky").Count);
    }

    [Fact]
    public async Task Exhausted_mis_retries_close_the_case_as_failed_and_the_case_manager_is_told()
    {
        Mis.FailNext("lookup", 10);
        var id = await Host.StartAsync(Requests.For("S-1004", "retry-fail"));
        var c = await Host.WaitForClosedAsync(id);
        Mis.FailNext("lookup", 0);

        Assert.Equal(nameof(CaseOutcome.Failed), c.Outcome);
        Assert.Contains("OptOutLookupActivity", c.Detail, StringComparison.Ordinal);
        Assert.Equal("Completed", c.Status);
        Assert.Contains("needs attention", Email(id, NotificationKind.CaseManagerOutcome).Subject, StringComparison.Ordinal);
    }

    private string TokenFor(string caseId) =>
        Email(caseId, NotificationKind.SupervisorRequest).TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];

    private EmailMessage Email(string caseId, NotificationKind kind) =>
        Assert.Single(Host.Mailbox.For(caseId), m => m.Message.Key == Key(caseId, kind)).Message;

    private List<string> Keys(string caseId) => [.. Host.Mailbox.For(caseId).Select(m => m.Message.Key)];

    private static string Key(string caseId, NotificationKind kind) => $"{caseId}:{kind}:1";

    private static List<string> Steps(CaseView c) => [.. c.Timeline.Select(t => t.Step)];

    private static SimulatedParticipant Unregistered(string id, string first, string last, string phone, string ssn) =>
        new() { SeekerId = id, FirstName = first, LastName = last, Phone = phone, Ssn = ssn, Registered = false };

    private static CaseIntakeRequest WithSsn(CaseIntakeRequest r, string first, string last, string phone, string ssn)
    {
        r.Client!.FirstName = first;
        r.Client.LastName = last;
        r.Client.Phone = phone;
        r.Client.Ssn = ssn;
        return r;
    }
}
