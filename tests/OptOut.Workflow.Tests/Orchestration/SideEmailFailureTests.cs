using OptOut.Testing;
using OptOut.Workflow.Access;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;
using OptOut.Workflow.UseCases;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>
/// The step that starts a wait sends its emails together. From orchestrator version 3 on, only the email the wait
/// depends on failing after its retries closes the case as Failed: the supervisor's request (it carries the decision
/// link), or for registration both emails (nobody was told). A client's or case manager's email failing is recorded on
/// the timeline and the case waits on, so a decision recorded while those emails were going out is acted on.
/// </summary>
public sealed class SideEmailFailureTests : EngineFixture
{
    protected override void Settings(Dictionary<string, string?> settings)
    {
        // Nothing fires while a test acts on a waiting case.
        settings.SupervisorWait(TimeSpan.FromMinutes(10), escalateAfter: TimeSpan.FromMinutes(20), deadline: TimeSpan.FromMinutes(30));
        settings["Workflow:RegistrationDeadline"] = "00:10:00";
    }

    [Fact]
    public async Task A_client_email_that_fails_is_recorded_the_case_manager_is_told_and_the_case_waits_for_the_supervisor()
    {
        const string id = "side-client-1";
        Host.Emails.Fail(Key(id, NotificationKind.ClientContactSupervisor));
        await Host.StartAsync(Requests.For("S-1006", id));

        var waiting = await Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Client email failed"));
        Assert.False(waiting.IsClosed);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), waiting.Stage);
        Assert.Equal(["Supervisor emailed", "Client email failed"], Steps(waiting).Skip(5));
        Assert.Contains("Please ask the client to contact ESD WIOA supervisor Pat Supervisor (pat.supervisor@example.org)", waiting.Timeline[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(2, Host.Emails.FailedSends(Key(id, NotificationKind.ClientContactSupervisor))); // Workflow:RetryMaxAttempts

        // The case manager's first email said the client was being emailed; a second one says it did not go.
        var followUp = await Host.Mailbox.WaitForEmailAsync($"{id}:{NotificationKind.CaseManagerUpdate}:2");
        Assert.Equal("casey.manager@example.org", followUp.Message.To.Email);
        Assert.Contains("the client could not be emailed", followUp.Message.TextBody, StringComparison.Ordinal);

        await DecideAsync(id, DecisionChoice.RemainOptedOut, "spoke by phone");
        var closed = await Host.WaitForClosedAsync(id);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
    }

    [Fact]
    public async Task A_decision_recorded_while_a_failing_client_email_is_still_being_tried_is_acted_on()
    {
        // The edge version 2 leaves: the link works as soon as the supervisor's email lands, the supervisor decides while
        // the client's email is still being tried, then that email fails for good. Version 2 closed the case as Failed
        // and dropped the decision its page had confirmed; version 3 acts on it.
        const string id = "side-early-1";
        var gate = Host.Emails.Hold(Key(id, NotificationKind.ClientContactSupervisor));
        Host.Emails.Fail(Key(id, NotificationKind.ClientContactSupervisor));
        await Host.StartAsync(Requests.For("S-1006", id));

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await DecideAsync(id, DecisionChoice.RemainOptedOut, "decided early");
        gate.Release.TrySetResult();

        var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Contains("Client email failed", Steps(closed));
        Assert.Contains("decided early", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_case_manager_email_that_fails_is_recorded_and_the_case_waits_on()
    {
        const string id = "side-cm-1";
        Host.Emails.Fail(Key(id, NotificationKind.CaseManagerUpdate));
        await Host.StartAsync(Requests.For("S-1006", id));

        var waiting = await Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Case manager email failed"));
        Assert.False(waiting.IsClosed);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), waiting.Stage);
        Assert.Equal(["Supervisor emailed", "Client emailed", "Case manager email failed"], Steps(waiting).Skip(5));
        Assert.Contains("its outcome is emailed when it closes", waiting.Timeline[^1].Detail, StringComparison.Ordinal);

        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "client moved", default)).Disposition);
        var closed = await Host.WaitForClosedAsync(id);
        Assert.Equal(nameof(CaseOutcome.Withdrawn), closed.Outcome);
        await Host.Mailbox.WaitForEmailAsync(Key(id, NotificationKind.CaseManagerOutcome));
    }

    [Fact]
    public async Task A_supervisor_request_that_fails_still_closes_the_case_as_failed_and_the_case_manager_is_told()
    {
        const string id = "side-sup-1";
        Host.Emails.Fail(Key(id, NotificationKind.SupervisorRequest));
        await Host.StartAsync(Requests.For("S-1006", id));

        var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(nameof(CaseOutcome.Failed), closed.Outcome);
        Assert.Contains($"{WorkflowNames.Notify} did not succeed after retries", closed.Timeline[^1].Detail, StringComparison.Ordinal);
        // Every email of the step settled before the case closed: the other two went.
        Assert.Contains(Key(id, NotificationKind.ClientContactSupervisor), Keys(id));
        Assert.Contains(Key(id, NotificationKind.CaseManagerOutcome), Keys(id));
    }

    [Fact]
    public async Task Registration_instructions_that_fail_are_recorded_and_the_case_waits_for_registration()
    {
        const string id = "side-reg-1";
        Host.Emails.Fail(Key(id, NotificationKind.ClientRegistrationInstructions));
        await Host.StartAsync(Requests.For("S-1003", id, hasAccount: false));

        var waiting = await Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Client email failed"));
        Assert.False(waiting.IsClosed);
        Assert.Equal(nameof(CaseStage.AwaitingRegistration), waiting.Stage);
        Assert.DoesNotContain("Client emailed", Steps(waiting));
        Assert.Contains("register a WorkSourceWA account and choose Opt-In", waiting.Timeline.Single(t => t.Step == "Client email failed").Detail, StringComparison.Ordinal);

        Host.Mis.Register("S-1003");
        var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(nameof(CaseOutcome.RegisteredAndAdded), closed.Outcome);
    }

    [Fact]
    public async Task When_neither_registration_email_goes_the_case_closes_as_failed()
    {
        const string id = "side-reg-2";
        Host.Emails.Fail(Key(id, NotificationKind.ClientRegistrationInstructions));
        Host.Emails.Fail(Key(id, NotificationKind.CaseManagerUpdate));
        await Host.StartAsync(Requests.For("S-1003", id, hasAccount: false));

        var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(nameof(CaseOutcome.Failed), closed.Outcome);
        Assert.DoesNotContain("Client email failed", Steps(closed)); // it failed the case instead of being recorded
    }

    [Fact]
    public async Task A_case_started_on_version_2_still_closes_as_failed_when_the_client_email_fails()
    {
        await using var host = await WorkflowTestHost.StartAsync(s => s["Workflow:OrchestrationVersion"] = OrchestratorVersions.SsnDroppedAfterLookup);
        const string id = "side-v2-1";
        host.Emails.Fail(Key(id, NotificationKind.ClientContactSupervisor));
        await host.StartAsync(Requests.For("S-1006", id));

        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(nameof(CaseOutcome.Failed), closed.Outcome);
        Assert.DoesNotContain("Client email failed", Steps(closed));
        Assert.DoesNotContain(host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.CaseManagerUpdate}:2");
    }

    private async Task DecideAsync(string id, DecisionChoice choice, string note)
    {
        var request = await Host.Mailbox.WaitForEmailAsync(Key(id, NotificationKind.SupervisorRequest));
        var token = request.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        var result = await Host.Decide.DecideAsync(token, choice, note, null, default);
        Assert.True(result.Disposition == CommandDisposition.Accepted, $"{result.Disposition}: {result.Message}");
    }

    private static string Key(string id, NotificationKind kind) => $"{id}:{kind}:1";

    private IReadOnlyList<string> Keys(string id) => [.. Host.Mailbox.For(id).Select(m => m.Message.Key)];

    private static List<string> Steps(CaseView c) => [.. c.Timeline.Select(t => t.Step)];
}
