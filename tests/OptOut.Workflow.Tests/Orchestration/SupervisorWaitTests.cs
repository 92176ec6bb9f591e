using OptOut.Workflow.Access;
using Microsoft.Extensions.DependencyInjection;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>
/// Step 6 of 5212PRO, the wait for the supervisor, on real durable timers: reminders up to the maximum, escalation,
/// the deadline; bounded history however many reminders; decisions that race a firing timer are never lost.
/// </summary>
public sealed class SupervisorWaitTests : EngineFixture
{
    // A reminder every second and escalation after 3.5 s; the deadline is far away, so how many reminders go out never
    // depends on how fast the machine is: the tests wait for the step that sets the deadline's timer (nothing else is
    // left to do), then count. The deadline itself is played on its own engine below.
    private static readonly TimeSpan FarDeadline = TimeSpan.FromMinutes(30);

    protected override void Settings(Dictionary<string, string?> settings)
    {
        settings.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: TimeSpan.FromSeconds(3.5), deadline: FarDeadline);
        settings["Workflow:MaxReminders"] = "5";
    }

    [Fact]
    public async Task No_decision_means_reminders_up_to_the_maximum_then_escalation_then_only_the_deadline_is_left()
    {
        var id = await Start("W-1", "Nora", "Nodecision", "521330001");
        var waiting = await WaitForOnlyTheDeadlineAsync(Host, id);

        Assert.Equal(5, waiting.RemindersSent);
        Assert.True(waiting.Escalated);
        var steps = waiting.Timeline.Select(t => t.Step).ToList();
        Assert.Equal(5, steps.Count(s => s == "Reminder sent"));
        Assert.Equal(1, steps.Count(s => s == "Escalated"));
        Assert.True(steps.IndexOf("Escalated") > steps.IndexOf("Reminder sent"), "escalation comes after the first reminders");

        var keys = Host.Mailbox.For(id).Select(m => m.Message.Key).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(n => $"{id}:{NotificationKind.SupervisorReminder}:{n}"), keys.Where(k => k.Contains(":SupervisorReminder:", StringComparison.Ordinal)));
        var escalation = Assert.Single(Host.Mailbox.For(id), m => m.Message.Key.Contains(":SupervisorEscalation:", StringComparison.Ordinal)).Message;
        Assert.Equal("morgan.escalation@example.org", escalation.To.Email);
        Assert.Contains("/api/decisions/", escalation.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(keys, k => k.Contains(":SupervisorCaseClosed:", StringComparison.Ordinal));
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "test cleanup", default)).Disposition);
    }

    [Fact]
    public async Task At_the_deadline_the_case_closes_without_a_supervisor_response_and_supervisor_and_case_manager_are_told()
    {
        // Its own engine with a 7 s deadline. Every reminder sent is numbered in order, and escalation (due before the
        // deadline) always goes out before the case closes, however late the timers fire; the exact count of reminders
        // with a punctual clock is the test above (and BusinessHoursWaitTests, on played time).
        await using var host = await WorkflowTestHost.StartAsync(s =>
        {
            s.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: TimeSpan.FromSeconds(3.5), deadline: TimeSpan.FromSeconds(7));
            s["Workflow:MaxReminders"] = "5";
        });
        var id = await Start(host, "W-1d", "Nell", "Deadline", "521330011");
        var c = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(60));

        Assert.Equal(nameof(CaseOutcome.NoSupervisorResponse), c.Outcome);
        Assert.True(c.Escalated);
        Assert.InRange(c.RemindersSent, 1, 5);
        var steps = c.Timeline.Select(t => t.Step).ToList();
        Assert.Equal(c.RemindersSent, steps.Count(s => s == "Reminder sent"));
        Assert.Equal(1, steps.Count(s => s == "Escalated"));
        Assert.Equal("Closed", steps[^1]);
        Assert.Contains($"after {c.RemindersSent} reminder(s) and escalation", c.Detail, StringComparison.Ordinal);

        var keys = host.Mailbox.For(id).Select(m => m.Message.Key).ToList();
        Assert.Equal(Enumerable.Range(1, c.RemindersSent).Select(n => $"{id}:{NotificationKind.SupervisorReminder}:{n}"), keys.Where(k => k.Contains(":SupervisorReminder:", StringComparison.Ordinal)));
        Assert.Single(keys, k => k.Contains(":SupervisorEscalation:", StringComparison.Ordinal));
        Assert.Equal("pat.supervisor@example.org", Assert.Single(host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.SupervisorCaseClosed}:1").Message.To.Email);
        var outcome = Assert.Single(host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.CaseManagerOutcome}:1").Message;
        Assert.Contains("no supervisor response", outcome.Subject, StringComparison.Ordinal);
        // The last timer the case set was the deadline's, for exactly WaitingSince + SupervisorDeadline.
        Assert.Equal(c.WaitingSince!.Value.AddSeconds(7), host.TimersSet(id)[^1]);
    }

    [Fact]
    public async Task History_per_execution_does_not_grow_with_the_number_of_reminders()
    {
        var id = await Start("W-2", "Hugo", "History", "521330002");
        await WaitForOnlyTheDeadlineAsync(Host, id);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "test cleanup", default)).Disposition);
        await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(40));

        // Each run of the orchestrator is handed the current execution's history. Continue-as-new starts a new
        // execution (history back to 2 events); split the runs into executions and compare their sizes.
        var executions = new List<int>();
        var previous = int.MaxValue;
        foreach (var size in Host.HistorySizes(id))
        {
            if (size < previous)
            {
                executions.Add(0);
            }

            executions[^1] = Math.Max(executions[^1], size);
            previous = size;
        }

        // One execution per timer the case set (the first, then one per fired timer; the deadline's timer was still
        // pending at the withdrawal): at least six, since an execution sends at most one reminder.
        var records = Host.Durable.For(id);
        Assert.Equal(records.Count(r => r.Kind == "history:ExecutionStarted"), executions.Count);
        Assert.Equal(records.Count(r => r.Kind == "message:TimerFired"), executions.Count);
        Assert.True(executions.Count >= 6, $"expected one execution per waiting timer, got {executions.Count}: {string.Join(",", executions)}");
        var waiting = executions.Skip(1).SkipLast(1).ToList(); // first = intake and lookups; last = the withdrawal
        Assert.True(waiting.Max() <= 16, $"a waiting execution's history stays small: {string.Join(",", executions)}");
        Assert.True(waiting[^1] <= waiting.Take(2).Max(), $"history after 5 reminders is no larger than after 1: {string.Join(",", executions)}");
    }

    [Fact]
    public async Task A_decision_raised_after_a_reminder_timer_fired_but_before_the_orchestrator_ran_that_step_is_not_lost()
    {
        // The race the timer and the decision run: the timer's message is taken (the step that will continue the case
        // as new is about to run) and only then does the decision arrive. The engine's own hook makes the moment exact.
        var id = await Start("W-3a", "Rita", "Racea", "521330100");
        await Host.WaitForSupervisorEmailedAsync(id);
        await Host.WaitUntilWaitingAsync(id);
        var token = TokenFor(id);
        var raised = new TaskCompletionSource<CommandDisposition>(TaskCreationOptions.RunContinuationsAsynchronously);
        Host.Durable.BeforeStep = async workItem =>
        {
            if (workItem.InstanceId == id && workItem.NewMessages.Any(m => m.Event is DurableTask.Core.History.TimerFiredEvent) && !raised.Task.IsCompleted)
            {
                var result = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "raised as the timer fired", null, default);
                raised.TrySetResult(result.Disposition);
            }
        };

        try
        {
            Assert.Equal(CommandDisposition.Accepted, await raised.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));

            Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
            Assert.Contains("raised as the timer fired", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
            // The decision was sent before the step that took the timer ran; that step continued the case as new, and
            // the next execution took the decision.
            var kinds = Host.Durable.For(id).Select(r => r.Kind).ToList();
            var sent = kinds.IndexOf("send:EventRaised");
            var continued = kinds.LastIndexOf("history:ExecutionStarted");
            Assert.True(sent >= 0 && sent < continued && continued < kinds.LastIndexOf("history:EventRaised"), string.Join(", ", kinds));
        }
        finally
        {
            Host.Durable.BeforeStep = null;
        }
    }

    [Fact]
    public async Task A_decision_that_reaches_the_engine_in_the_same_batch_as_a_firing_reminder_timer_is_not_lost()
    {
        // The closest race: the timer's message and the decision are handed to the orchestrator in one step, the timer
        // first. The timer wins, the case continues as new, and the decision (which no live waiter took) must be carried
        // into the next execution. The test takes the decision's message as the client sends it and puts it into the
        // work item that carries the timer.
        var id = await Start("W-3c", "Rita", "Racec", "521330102");
        await Host.WaitForSupervisorEmailedAsync(id);
        var token = TokenFor(id);
        var decision = new TaskCompletionSource<DurableTask.Core.TaskMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var batched = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Host.Durable.DivertSend = m => m.OrchestrationInstance.InstanceId == id && m.Event is DurableTask.Core.History.EventRaisedEvent && decision.TrySetResult(m);
        Host.Durable.BeforeStep = async workItem =>
        {
            if (workItem.InstanceId == id && workItem.NewMessages.Any(m => m.Event is DurableTask.Core.History.TimerFiredEvent) && !batched.Task.IsCompleted)
            {
                workItem.NewMessages.Add(await decision.Task.WaitAsync(TimeSpan.FromSeconds(30)));
                batched.TrySetResult(workItem.NewMessages.Count);
            }
        };

        try
        {
            Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "in the timer's batch", null, default)).Disposition);
            Assert.Equal(2, await batched.Task.WaitAsync(TimeSpan.FromSeconds(30))); // the timer, then the decision
            var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));

            Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
            Assert.Contains("in the timer's batch", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
        }
        finally
        {
            Host.Durable.BeforeStep = null;
            Host.Durable.DivertSend = null;
        }
    }

    [Fact]
    public async Task A_decision_raised_while_the_resumed_execution_sends_the_due_reminder_is_not_lost()
    {
        await using var host = await WorkflowTestHost.StartAsync(s => s.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: FarDeadline / 2, deadline: FarDeadline));
        var gate = host.Emails.Hold(":SupervisorReminder:1");
        var id = await host.StartAsync(Requests.For("S-1006", "W-3b"));
        var request = await host.Mailbox.WaitForEmailAsync($"{id}:{NotificationKind.SupervisorRequest}:1");

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the timer fired; the next execution is sending reminder 1
        Assert.Equal(CommandDisposition.Accepted, (await host.Decide.DecideAsync(TokenIn(request.Message), DecisionChoice.RemainOptedOut, "raised during the reminder", null, default)).Disposition);
        gate.Release.TrySetResult();
        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Equal(1, closed.RemindersSent);
        Assert.Contains("raised during the reminder", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// Until the case has set a timer for its deadline: reminders and escalation are all done (each execution sets one
    /// timer, for the earliest step still due), so nothing but the deadline, a decision or a withdrawal can follow.
    /// </summary>
    private static async Task<CaseView> WaitForOnlyTheDeadlineAsync(WorkflowTestHost host, string id)
    {
        var waiting = await host.WaitForSupervisorEmailedAsync(id);
        var deadline = waiting.WaitingSince!.Value + FarDeadline;
        await Eventually.UntilAsync(
            () => Task.FromResult(host.TimersSet(id)),
            timers => timers.Count > 0 && timers[^1] == deadline,
            TimeSpan.FromSeconds(60),
            timers => $"Case {id} set no timer for its deadline {deadline:O}; timers: {string.Join(", ", timers.Select(t => t.ToString("O")))}");
        return (await host.Get.HandleAsync(Caller.System, id, default))!;
    }

    [Fact]
    public async Task A_reminder_is_counted_once_its_email_has_gone_not_when_it_is_scheduled()
    {
        await using var host = await WorkflowTestHost.StartAsync(s => s.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: FarDeadline / 2, deadline: FarDeadline));
        var gate = host.Emails.Hold(":SupervisorReminder:1");
        var id = await host.StartAsync(Requests.For("S-1005", "W-gate"));

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var sending = await host.Get.HandleAsync(Caller.System, id, default);
        Assert.Equal(0, sending!.RemindersSent);
        Assert.DoesNotContain("Reminder sent", sending.Timeline.Select(t => t.Step));

        gate.Release.TrySetResult();
        var sent = await host.WaitForAsync(id, v => v.RemindersSent >= 1); // reminder 2 may follow a second later
        Assert.Contains("Reminder sent", sent.Timeline.Select(t => t.Step));
        Assert.Contains(host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.SupervisorReminder}:1");
        await host.Withdraw.HandleAsync(Caller.System, id, "test cleanup", default);
    }

    [Fact]
    public async Task The_emailed_link_works_as_soon_as_the_email_lands_even_while_the_other_emails_are_still_going_out()
    {
        // Seen on a CI run: the supervisor opened the link while the case manager's email was still being sent, and the
        // page said "not waiting for a supervisor decision". The case now waits from the step that schedules the emails.
        await using var host = await WorkflowTestHost.StartAsync();
        var gate = host.Emails.Hold($":{NotificationKind.CaseManagerUpdate}:1");
        var id = await host.StartAsync(Requests.For("S-1005", "W-early-link"));

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var request = await host.Mailbox.WaitForEmailAsync($"{id}:{NotificationKind.SupervisorRequest}:1");
        var token = TokenIn(request.Message);
        var inspected = await host.Decide.InspectAsync(token, null, default);
        Assert.True(inspected.Disposition == CommandDisposition.Accepted, $"{inspected.Disposition}: {inspected.Message}");
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), inspected.Case!.Stage);
        Assert.Equal(CommandDisposition.Accepted, (await host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "decided early", null, default)).Disposition);

        // The decision came in while the orchestrator was still waiting on the emails: it is buffered, not lost.
        var stillSending = await host.Get.HandleAsync(Caller.System, id, default);
        Assert.False(stillSending!.IsClosed);
        gate.Release.TrySetResult();
        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Contains("decided early", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_withdrawal_while_the_registration_emails_are_going_out_is_not_lost()
    {
        await using var host = await WorkflowTestHost.StartAsync();
        var gate = host.Emails.Hold($":{NotificationKind.CaseManagerUpdate}:1");
        host.Mis.Add(new SimulatedParticipant { SeekerId = "S-2093", FirstName = "Rue", LastName = "Early", Phone = "360-555-0193", Ssn = "521220093", Registered = false });
        var request = Requests.For("S-1003", "W-early-withdraw", hasAccount: false);
        request.Client!.FirstName = "Rue";
        request.Client.LastName = "Early";
        request.Client.Phone = "360-555-0193";
        request.Client.Ssn = "521-22-0093";
        var id = await host.StartAsync(request);

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = await host.WaitForAsync(id, v => v.Stage == nameof(CaseStage.AwaitingRegistration));
        Assert.False(waiting.IsClosed);
        Assert.Equal(CommandDisposition.Accepted, (await host.Withdraw.HandleAsync(Caller.System, id, "client moved", default)).Disposition);
        gate.Release.TrySetResult();
        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal(nameof(CaseOutcome.Withdrawn), closed.Outcome);
    }

    private Task<string> Start(string caseId, string first, string last, string ssn) => Start(Host, caseId, first, last, ssn);

    private static async Task<string> Start(WorkflowTestHost host, string caseId, string first, string last, string ssn)
    {
        host.Mis.Add(new SimulatedParticipant { SeekerId = caseId, FirstName = first, LastName = last, Phone = "360-555-0140", Ssn = ssn, OptedOut = true });
        var request = Requests.For("S-1006", caseId);
        request.Client!.FirstName = first;
        request.Client.LastName = last;
        request.Client.Phone = "360-555-0140";
        request.Client.Ssn = ssn;
        return await host.StartAsync(request);
    }

    private string TokenFor(string caseId) =>
        TokenIn(Host.Mailbox.For(caseId).First(m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1").Message);

    private static string TokenIn(EmailMessage email) => email.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
}
