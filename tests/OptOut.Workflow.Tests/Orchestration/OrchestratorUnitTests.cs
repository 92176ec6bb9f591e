using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>The orchestrator's decision logic with NSubstitute on TaskOrchestrationContext: no engine, no timers.</summary>
public sealed class OrchestratorUnitTests
{
    private static readonly DateTime T0 = new(2026, 11, 2, 18, 0, 0, DateTimeKind.Utc);

    private static readonly WorkflowPolicy Policy = new WorkflowOptions
    {
        ReminderInterval = TimeSpan.FromDays(2),
        MaxReminders = 2,
        EscalateAfter = TimeSpan.FromDays(5),
        SupervisorDeadline = TimeSpan.FromDays(10),
        BusinessHoursEnabled = false,
    }.ToPolicy();

    private readonly TaskOrchestrationContext _ctx = Substitute.ForPartsOf<TestContext>();
    private readonly List<NotificationRequest> _notified = [];

    public OrchestratorUnitTests()
    {
        _ctx.CurrentUtcDateTime.Returns(T0);
        _ctx.CallActivityAsync<NotificationReceipt>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Notify), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(ci =>
            {
                var r = (NotificationRequest)ci.ArgAt<object?>(1)!;
                _notified.Add(r);
                return new NotificationReceipt(r.MessageKey, "x@example.org", true);
            });
    }

    [Fact]
    public async Task Found_in_office_closes_as_already_in_office_without_adding_or_looking_up()
    {
        Search(office: true, found: true);

        var result = await Run(new CaseRun(Case()));

        Assert.Equal(CaseOutcome.AlreadyInOffice, result.Outcome);
        await _ctx.DidNotReceive().CallActivityAsync<AddSeekerResult>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>());
        await _ctx.DidNotReceive().CallActivityAsync<OptOutLookupResult>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>());
        var email = Assert.Single(_notified);
        Assert.Equal((NotificationKind.CaseManagerOutcome, CaseOutcome.AlreadyInOffice), (email.Kind, email.Outcome));
    }

    [Fact]
    public async Task The_statewide_search_is_scheduled_with_the_office_search_and_used_only_when_the_office_misses()
    {
        var office = new TaskCompletionSource<SeekerMatch>();
        var queries = new List<SeekerQuery>();
        _ctx.CallActivityAsync<SeekerMatch>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Search), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(ci =>
            {
                var q = (SeekerQuery)ci.ArgAt<object?>(1)!;
                queries.Add(q);
                return q.Office is null ? Task.FromResult(new SeekerMatch(true, "S-9")) : office.Task;
            });
        _ctx.CallActivityAsync<AddSeekerResult>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.AddToOffice), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(new AddSeekerResult(AlreadyInOffice: false));

        var run = Run(new CaseRun(Case()));
        Assert.Equal(["port-angeles", null], queries.Select(q => q.Office)); // both out before the office result is in
        await _ctx.DidNotReceive().CallActivityAsync<AddSeekerResult>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>());
        office.SetResult(new SeekerMatch(false, null));
        var result = await run;

        Assert.Equal(CaseOutcome.AddedFromStatewide, result.Outcome);
        Assert.Equal(2, queries.Count);
        await _ctx.Received(1).CallActivityAsync<AddSeekerResult>(Arg.Any<TaskName>(), Arg.Is<object?>(o => ((AddSeekerRequest)o!).SeekerId == "S-9"), Arg.Any<TaskOptions?>());
    }

    [Fact]
    public async Task Found_in_office_does_not_depend_on_the_statewide_search_succeeding()
    {
        Search(office: true, found: true);
        _ctx.CallActivityAsync<SeekerMatch>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Search), Arg.Is<object?>(o => ((SeekerQuery)o!).Office == null), Arg.Any<TaskOptions?>())
            .Returns(Task.FromException<SeekerMatch>(new TaskFailedException(WorkflowNames.Search, 1, new TaskFailureDetails("MisGatewayException", "MIS search failed with HTTP 503.", null, null, null))));

        var result = await Run(new CaseRun(Case()));

        Assert.Equal(CaseOutcome.AlreadyInOffice, result.Outcome);
        Assert.Equal((NotificationKind.CaseManagerOutcome, CaseOutcome.AlreadyInOffice), (Assert.Single(_notified).Kind, _notified[0].Outcome));
    }

    [Fact]
    public async Task Opted_out_emails_supervisor_client_and_case_manager_together_then_waits_in_the_same_execution()
    {
        Search(office: true, found: false);
        Search(office: false, found: false);
        _ctx.CallActivityAsync<OptOutLookupResult>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.OptOutLookup), Arg.Is<object?>(o => ((OptOutLookupRequest)o!).ProtectedSsn == "ssn.v1.cipher"), Arg.Any<TaskOptions?>())
            .Returns(new OptOutLookupResult(true, "Optout", "Elena"));
        var pending = new TaskCompletionSource<NotificationReceipt>();
        _ctx.CallActivityAsync<NotificationReceipt>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Notify), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(ci =>
            {
                _notified.Add((NotificationRequest)ci.ArgAt<object?>(1)!);
                return pending.Task; // none has completed yet: all three must already be scheduled
            });
        var timer = Timer(fires: true);
        NoEvents();
        var published = new List<CaseStage>();
        _ctx.When(c => c.SetCustomStatus(Arg.Any<object?>())).Do(ci => published.Add(((CaseStatus)ci.ArgAt<object?>(0)!).Stage));

        var run = Run(new CaseRun(Case()));
        Assert.Equal([NotificationKind.SupervisorRequest, NotificationKind.ClientContactSupervisor, NotificationKind.CaseManagerUpdate], _notified.Select(n => n.Kind));
        Assert.Empty(timer.FireAts); // no reminder timer before the emails have gone
        // ...but the case already waits for the supervisor, so the link works the moment the request email lands
        // (a decision raised now is buffered until the waiter below takes it).
        Assert.Equal(CaseStage.AwaitingSupervisor, published[^1]);
        pending.SetResult(new NotificationReceipt("k", "x@example.org", true));
        await run;

        // The waiting stage is published, the waiters and the timer for reminder 1 are set, all in this execution;
        // only when that timer fires does the case continue as new.
        Assert.Equal(CaseStage.AwaitingSupervisor, published[^1]);
        Assert.Equal(T0.AddDays(2), Assert.Single(timer.FireAts));
        await _ctx.Received(1).WaitForExternalEvent<SupervisorDecision>(WorkflowEvents.SupervisorDecision, Arg.Any<CancellationToken>());
        _ctx.Received(1).ContinueAsNew(
            Arg.Is<object?>(o => ((CaseRun)o!).Resume == CaseStage.AwaitingSupervisor && ((CaseRun)o!).Status!.WaitingSince == T0 && ((CaseRun)o!).Status!.RemindersSent == 0),
            true);
    }

    [Fact]
    public async Task Waiting_supervisor_decision_wins_and_every_losing_wait_is_cancelled()
    {
        var timer = Timer();
        var waits = new List<CancellationToken>();
        _ctx.WaitForExternalEvent<SupervisorDecision>(WorkflowEvents.SupervisorDecision, Arg.Do<CancellationToken>(waits.Add))
            .Returns(Task.FromResult(new SupervisorDecision(DecisionChoice.RemainOptedOut, "stays", "Pat", "tok", T0)));
        _ctx.WaitForExternalEvent<CaseWithdrawal>(WorkflowEvents.Withdraw, Arg.Do<CancellationToken>(waits.Add)).Returns(new TaskCompletionSource<CaseWithdrawal>().Task);
        _ctx.WaitForExternalEvent<StaleCaseFlag>(WorkflowEvents.StaleFlag, Arg.Do<CancellationToken>(waits.Add)).Returns(new TaskCompletionSource<StaleCaseFlag>().Task);

        var result = await Run(Waiting(reminders: 0, escalated: false));

        Assert.Equal(CaseOutcome.RemainsOptedOut, result.Outcome);
        Assert.All(waits, t => Assert.True(t.IsCancellationRequested));
        Assert.All(timer.Tokens, t => Assert.True(t.IsCancellationRequested));
        _ctx.DidNotReceive().ContinueAsNew(Arg.Any<object?>(), Arg.Any<bool>());
    }

    [Theory]
    [InlineData(0, false, 2)]   // next reminder: day 2
    [InlineData(1, false, 4)]   // second reminder: day 4
    [InlineData(2, false, 5)]   // reminders used up: escalation on day 5
    [InlineData(2, true, 10)]   // escalated: only the deadline is left
    public async Task Waiting_sets_one_timer_for_the_next_due_step(int reminders, bool escalated, int day)
    {
        var timer = Timer(fires: true);
        NoEvents();

        await Run(Waiting(reminders, escalated, now: T0.AddHours(1)));

        Assert.Equal(T0.AddDays(day), Assert.Single(timer.FireAts));
        _ctx.Received(1).ContinueAsNew(Arg.Is<object?>(o => ((CaseRun)o!).Resume == CaseStage.AwaitingSupervisor), true);
        Assert.Empty(_notified); // a fired timer continues-as-new at once: the due work runs in the next execution
    }

    [Fact]
    public async Task A_resumed_execution_sends_the_due_reminder_before_waiting_again()
    {
        var timer = Timer(fires: true);
        NoEvents();

        await Run(Waiting(reminders: 0, escalated: false, now: T0.AddDays(2)));

        var reminder = Assert.Single(_notified);
        Assert.Equal((NotificationKind.SupervisorReminder, 1), (reminder.Kind, reminder.Attempt));
        Assert.Equal(T0.AddDays(4), Assert.Single(timer.FireAts));
        _ctx.Received(1).ContinueAsNew(Arg.Is<object?>(o => ((CaseRun)o!).Status!.RemindersSent == 1), true);
    }

    [Fact]
    public async Task At_the_deadline_the_case_closes_without_a_supervisor_response()
    {
        Timer();
        NoEvents();

        var result = await Run(Waiting(reminders: 2, escalated: true, now: T0.AddDays(10)));

        Assert.Equal(CaseOutcome.NoSupervisorResponse, result.Outcome);
        Assert.Equal([NotificationKind.SupervisorCaseClosed, NotificationKind.CaseManagerOutcome], _notified.Select(n => n.Kind));
        _ = _ctx.DidNotReceive().CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_activity_that_exhausts_its_retries_closes_the_case_as_failed_and_tells_the_case_manager()
    {
        _ctx.CallActivityAsync<SeekerMatch>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Search), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(Task.FromException<SeekerMatch>(new TaskFailedException(WorkflowNames.Search, 1, new TaskFailureDetails("MisGatewayException", "MIS search failed with HTTP 503.", null, null, null))));

        var result = await Run(new CaseRun(Case()));

        Assert.Equal(CaseOutcome.Failed, result.Outcome);
        Assert.Contains("HTTP 503", result.Detail, StringComparison.Ordinal);
        var email = Assert.Single(_notified);
        Assert.Equal((NotificationKind.CaseManagerOutcome, CaseOutcome.Failed), (email.Kind, email.Outcome));
    }

    private Task<CaseResult> Run(CaseRun run) => new OptOutCaseOrchestrator().RunAsync(_ctx, run);

    private void Search(bool office, bool found) =>
        _ctx.CallActivityAsync<SeekerMatch>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Search), Arg.Is<object?>(o => (((SeekerQuery)o!).Office != null) == office), Arg.Any<TaskOptions?>())
            .Returns(new SeekerMatch(found, found ? "S-1" : null));

    private void NoEvents()
    {
        _ctx.WaitForExternalEvent<SupervisorDecision>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<SupervisorDecision>().Task);
        _ctx.WaitForExternalEvent<CaseWithdrawal>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<CaseWithdrawal>().Task);
        _ctx.WaitForExternalEvent<StaleCaseFlag>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<StaleCaseFlag>().Task);
    }

    private TimerCalls Timer(bool fires = false)
    {
        var calls = new TimerCalls();
        _ctx.CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(ci =>
        {
            calls.FireAts.Add(ci.ArgAt<DateTime>(0));
            calls.Tokens.Add(ci.ArgAt<CancellationToken>(1));
            return fires ? Task.CompletedTask : new TaskCompletionSource().Task;
        });
        return calls;
    }

    private CaseRun Waiting(int reminders, bool escalated, DateTime? now = null)
    {
        _ctx.CurrentUtcDateTime.Returns(now ?? T0.AddHours(1));
        var input = Case();
        var status = CaseStatus.For(input);
        status.Stage = CaseStage.AwaitingSupervisor;
        status.WaitingSince = T0;
        status.RemindersSent = reminders;
        status.Escalated = escalated;
        return new CaseRun(input, status, CaseStage.AwaitingSupervisor);
    }

    private static CaseInput Case() => new(
        "unit-1",
        new CaseManagerInfo("Casey", "casey@example.org", "port-angeles"),
        new ClientInfo("Elena", "Optout", "360-555-0105", "elena@example.net", null, "0005", "ssn.v1.cipher"),
        "training",
        new Contact("Pat", "pat@example.org"),
        new Contact("Morgan", "morgan@example.org"),
        T0,
        "fp",
        "test",
        Policy);

    private sealed class TimerCalls
    {
        public List<DateTime> FireAts { get; } = [];

        public List<CancellationToken> Tokens { get; } = [];
    }

    /// <summary>Supplies the logger factory the orchestrator's replay-safe logger needs; NSubstitute does the rest.</summary>
    public abstract class TestContext : TaskOrchestrationContext
    {
        protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;
    }
}
