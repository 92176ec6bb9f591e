using OptOut.Workflow.Access;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.DevTools;

namespace OptOut.Notifications.Tests;

/// <summary>One workflow host (in-process durable engine) shared by the decision command tests; each test uses its own case.</summary>
public sealed class DecisionHostFixture : EngineFixture
{
    // Cases must stay waiting for the supervisor while a test runs.
    protected override void Settings(Dictionary<string, string?> settings) =>
        settings.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(3), deadline: TimeSpan.FromMinutes(5));
}

/// <summary>The decision link through <see cref="DecideCaseHandler"/>: single use, bound to the case's supervisor, expiry, tampering.</summary>
public sealed class DecisionCommandTests(DecisionHostFixture fixture) : IClassFixture<DecisionHostFixture>
{
    private WorkflowTestHost Host => fixture.Host;

    private DecisionTokens Tokens => Host.Services.GetRequiredService<DecisionTokens>();

    [Fact]
    public async Task The_same_link_decides_once_then_answers_conflict()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "reuse-1");

        var first = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "Client keeps opt-out.", null, CancellationToken.None);
        var second = await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, "Changed my mind.", null, CancellationToken.None);

        Assert.Equal(CommandDisposition.Accepted, first.Disposition);
        Assert.Equal(CommandDisposition.Conflict, second.Disposition);
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Equal(SupervisorDecision.RemainOptedOutValue, closed.Decision);

        var third = await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Conflict, third.Disposition);
        Assert.Equal(CommandDisposition.Conflict, (await Host.Decide.InspectAsync(token, null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task A_signed_in_decider_is_recorded_and_must_be_the_cases_supervisor_or_escalation_contact()
    {
        var (_, token) = await WaitingCaseAsync("S-1006", "signed-1");
        var stranger = new Contact("Robin Supervisor", "robin.supervisor@example.org"); // another office's supervisor

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.InspectAsync(token, stranger, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, stranger, CancellationToken.None)).Disposition);
        Assert.Null(await Host.Services.GetRequiredService<IDecisionRecord>().ReadAsync("signed-1", CancellationToken.None));

        // The escalation contact, signed in, may use the supervisor's link: they are recorded, in their own role.
        var morgan = new Contact("Morgan Signed-In", "Morgan.Escalation@example.org");
        var decided = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, null, morgan, CancellationToken.None);
        Assert.Equal(CommandDisposition.Accepted, decided.Disposition);
        Assert.Equal("Morgan Signed-In", decided.Decision!.DecidedBy);
        Assert.Equal(DecisionRole.EscalationContact, decided.Decision.Role);
    }

    [Fact]
    public async Task A_second_link_for_a_decided_case_is_refused_too()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "reuse-2");
        var another = Tokens.Create(caseId, "pat.supervisor@example.org");

        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);
        await Host.WaitForClosedAsync(caseId);

        Assert.Equal(CommandDisposition.Conflict, (await Host.Decide.DecideAsync(another, DecisionChoice.OptedIn, null, null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task A_link_for_another_supervisor_is_forbidden_and_changes_nothing()
    {
        var (caseId, _) = await WaitingCaseAsync("S-1006", "wrong-supervisor-1");
        var token = Tokens.Create(caseId, "robin.supervisor@example.org");

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.InspectAsync(token, null, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task A_link_made_for_another_case_is_forbidden_on_this_one()
    {
        // Case A is at port-angeles (supervisor Pat), case B at bremerton (supervisor Robin). A link that names case B but
        // was issued to Pat (the supervisor of case A) cannot decide case B.
        var (caseA, tokenA) = await WaitingCaseAsync("S-1006", "wrong-case-a");
        var (caseB, _) = await WaitingCaseAsync("S-1006", "wrong-case-b", office: "bremerton");
        Assert.Equal(caseA, Tokens.Read(tokenA).CaseId);
        var crossed = Tokens.Create(caseB, "pat.supervisor@example.org");

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(crossed, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseB);
        await AssertStillWaitingAsync(caseA);
    }

    [Fact]
    public async Task A_link_for_an_unknown_case_is_not_found()
    {
        var token = Tokens.Create("no-such-case", "pat.supervisor@example.org");
        Assert.Equal(CommandDisposition.NotFound, (await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task An_expired_link_is_gone_and_changes_nothing()
    {
        var (caseId, _) = await WaitingCaseAsync("S-1006", "expired-1");
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var expired = TestCases.Tokens(past).Create(caseId, "pat.supervisor@example.org"); // same signing key, issued two hours ago, 1 h lifetime

        Assert.Equal(TokenState.Expired, Tokens.Read(expired).State);
        Assert.Equal(CommandDisposition.Gone, (await Host.Decide.InspectAsync(expired, null, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Gone, (await Host.Decide.DecideAsync(expired, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task A_tampered_link_is_forbidden_and_changes_nothing()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "tampered-1");
        var tampered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(tampered, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.InspectAsync(token, null, CancellationToken.None)).Disposition); // the real link still works
    }

    [Fact]
    public async Task The_escalation_contacts_link_records_the_escalation_contact_and_then_the_supervisors_link_is_told_who_decided()
    {
        var (caseId, supervisorToken) = await WaitingCaseAsync("S-1006", "escalation-1");
        var escalationToken = Tokens.Create(caseId, "morgan.escalation@example.org", DecisionRole.EscalationContact);
        Assert.Equal(DecisionRole.EscalationContact, Tokens.Read(escalationToken).Role);

        var first = await Host.Decide.DecideAsync(escalationToken, DecisionChoice.RemainOptedOut, "Spoke with the client myself.", null, CancellationToken.None);
        var second = await Host.Decide.DecideAsync(supervisorToken, DecisionChoice.OptedIn, null, null, CancellationToken.None);

        Assert.Equal(CommandDisposition.Accepted, first.Disposition);
        Assert.Equal("Morgan Escalation", first.Decision!.DecidedBy);
        Assert.Equal(DecisionRole.EscalationContact, first.Decision.Role);
        Assert.Equal(CommandDisposition.Conflict, second.Disposition);
        Assert.Contains("Morgan Escalation (escalation contact", second.Message, StringComparison.Ordinal);
        Assert.Contains("the client remains opted out", second.Message, StringComparison.Ordinal);

        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        var decided = Assert.Single(closed.Timeline, t => t.Step == "Supervisor decision");
        Assert.StartsWith("Morgan Escalation (escalation contact, on the supervisor's behalf): the client asked to remain opted out.", decided.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Pat Supervisor", decided.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escalation_link_for_someone_else_or_a_supervisor_tag_read_as_escalation_is_forbidden()
    {
        var (caseId, _) = await WaitingCaseAsync("S-1006", "escalation-forbidden-1");
        // Issued as escalation contact to the supervisor's address: the tag is the role's, so it does not match.
        var wrong = Tokens.Create(caseId, "pat.supervisor@example.org", DecisionRole.EscalationContact);
        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(wrong, DecisionChoice.OptedIn, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task Two_links_of_one_case_posted_at_once_record_exactly_one_decision()
    {
        var (caseId, supervisorToken) = await WaitingCaseAsync("S-1006", "race-1");
        var reminderToken = Tokens.Create(caseId, "pat.supervisor@example.org");
        var escalationToken = Tokens.Create(caseId, "morgan.escalation@example.org", DecisionRole.EscalationContact);

        var posts = Enumerable.Range(0, 12).Select(i => Task.Run(() => Host.Decide.DecideAsync(
            (i % 3) switch { 0 => supervisorToken, 1 => reminderToken, _ => escalationToken },
            i % 2 == 0 ? DecisionChoice.RemainOptedOut : DecisionChoice.OptedIn,
            null,
            null,
            CancellationToken.None)));
        var results = await Task.WhenAll(posts);

        Assert.Single(results, r => r.Disposition == CommandDisposition.Accepted);
        Assert.All(results.Where(r => r.Disposition != CommandDisposition.Accepted), r => Assert.Equal(CommandDisposition.Conflict, r.Disposition));
        var winner = results.Single(r => r.Disposition == CommandDisposition.Accepted).Decision!;
        Assert.All(results.Where(r => r.Disposition == CommandDisposition.Conflict), r => Assert.Equal(winner.TokenId, r.Decision?.TokenId));
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(winner.Choice == DecisionChoice.OptedIn ? SupervisorDecision.OptedInValue : SupervisorDecision.RemainOptedOutValue, closed.Decision);
    }

    [Fact]
    public async Task A_failure_to_raise_the_event_burns_no_link_and_the_next_post_of_it_delivers_the_saved_decision()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "raise-fails-1");
        var failing = FailingToRaise(Host.Client);

        var failed = await failing.DecideAsync(token, DecisionChoice.RemainOptedOut, "First try.", null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Unavailable, failed.Disposition);
        await AssertStillWaitingAsync(caseId);
        Assert.Equal(DecisionRecordState.Pending, (await Host.Services.GetRequiredService<IDecisionRecord>().ReadAsync(caseId, CancellationToken.None))!.State);

        // The same link, submitted again: the saved decision is raised, and the page says this link's decision is recorded.
        var retried = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "First try.", null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Conflict, retried.Disposition);
        Assert.Equal(Tokens.Read(token).TokenId, retried.Decision!.TokenId);
        Assert.Contains("This link's decision", retried.Message, StringComparison.Ordinal);
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Contains("First try.", closed.Detail, StringComparison.Ordinal);
        Assert.Equal(DecisionRecordState.Raised, (await Host.Services.GetRequiredService<IDecisionRecord>().ReadAsync(caseId, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task A_saved_decision_that_failed_to_raise_is_delivered_by_another_links_post_which_is_told_who_decided()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "raise-fails-2");
        var escalationToken = Tokens.Create(caseId, "morgan.escalation@example.org", DecisionRole.EscalationContact);

        Assert.Equal(CommandDisposition.Unavailable, (await FailingToRaise(Host.Client).DecideAsync(token, DecisionChoice.RemainOptedOut, null, null, CancellationToken.None)).Disposition);

        var other = await Host.Decide.DecideAsync(escalationToken, DecisionChoice.OptedIn, null, null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Conflict, other.Disposition);
        Assert.Contains("Pat Supervisor (supervisor)", other.Message, StringComparison.Ordinal);
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
    }

    [Theory]
    [InlineData("note-ssn-1", "Client SSN 521-11-0005, opted in.")]
    [InlineData("note-ssn-2", "ssn 521110005")]
    [InlineData("note-control-1", "bell\u0007")]
    [InlineData("note-bidi-1", "bidi \u202Eoverride")]
    public async Task A_note_with_an_ssn_or_control_characters_is_refused_and_changes_nothing(string caseId, string note)
    {
        var (_, token) = await WaitingCaseAsync("S-1006", caseId);

        var result = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, note, null, CancellationToken.None);

        Assert.Equal(CommandDisposition.Invalid, result.Disposition);
        Assert.DoesNotContain("521", result.Message, StringComparison.Ordinal);
        await AssertStillWaitingAsync(caseId);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "Fine now.", null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task A_note_over_1000_characters_is_refused_not_truncated_and_1000_with_line_breaks_is_kept_whole()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "long-note-1");

        var tooLong = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, new string('a', 1001), null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Invalid, tooLong.Disposition);
        Assert.Contains("1,000", tooLong.Message, StringComparison.Ordinal);
        await AssertStillWaitingAsync(caseId);

        // A textarea's 1,000 characters with line breaks arrive with CR LF: still 1,000 as the page counts them.
        var atLimit = string.Concat(Enumerable.Repeat("note.....\r\n", 100));
        Assert.Equal(1100, atLimit.Length);
        var accepted = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, atLimit, null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Accepted, accepted.Disposition);
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Contains("note.....", closed.Detail, StringComparison.Ordinal);
        Assert.Equal(100, closed.Detail!.Split("note.....").Length - 1);
    }

    [Fact]
    public async Task A_durable_store_that_cannot_be_read_is_unavailable_not_an_error()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "store-down-1");
        var client = Substitute.ForPartsOf<DurableTaskClient>("unreachable");
        client.GetInstancesAsync(Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).ThrowsAsync(new IOException("The task hub's table is not reachable."));
        var handler = new DecideCaseHandler(client, Tokens, Host.Services.GetRequiredService<IDecisionRecord>(), TimeProvider.System, NullLogger<DecideCaseHandler>.Instance);

        Assert.Equal(CommandDisposition.Unavailable, (await handler.InspectAsync(token, null, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Unavailable, (await handler.DecideAsync(token, DecisionChoice.OptedIn, null, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
        Assert.Null(await Host.Services.GetRequiredService<IDecisionRecord>().ReadAsync(caseId, CancellationToken.None));
    }

    /// <summary>The handler over a client that reads the real engine but cannot raise events (storage down, throttled).</summary>
    private DecideCaseHandler FailingToRaise(DurableTaskClient real)
    {
        var client = Substitute.ForPartsOf<DurableTaskClient>("failing");
        client.GetInstancesAsync(Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>())
            .Returns(ci => real.GetInstancesAsync(ci.ArgAt<string>(0), ci.ArgAt<bool>(1), ci.ArgAt<CancellationToken>(2)));
        client.RaiseEventAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<object?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new InvalidOperationException("The task hub is not reachable."));
        return new DecideCaseHandler(client, Tokens, Host.Services.GetRequiredService<IDecisionRecord>(), TimeProvider.System, NullLogger<DecideCaseHandler>.Instance);
    }

    private async Task<(string CaseId, string Token)> WaitingCaseAsync(string seeker, string caseId, string office = "port-angeles")
    {
        await Host.StartAsync(Requests.For(seeker, caseId, office));
        await Host.WaitForSupervisorEmailedAsync(caseId);
        var email = Assert.Single(Host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1");
        var token = email.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        return (caseId, token);
    }

    private async Task AssertStillWaitingAsync(string caseId)
    {
        var view = await Host.Get.HandleAsync(Caller.System, caseId, CancellationToken.None);
        Assert.NotNull(view);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), view.Stage);
        Assert.Null(view.Decision);
        Assert.False(view.IsClosed);
    }
}
