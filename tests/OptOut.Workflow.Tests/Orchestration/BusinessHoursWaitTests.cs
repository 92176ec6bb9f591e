using Microsoft.DurableTask;
using NSubstitute;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>
/// The supervisor wait with business hours on (the production default; every engine test turns them off): the
/// orchestrator is run execution after execution on a fake <see cref="TaskOrchestrationContext"/> whose clock jumps to
/// each timer's fire-at, so a whole fortnight, its evenings and weekends, is played without waiting. What is asserted
/// is what the orchestrator asked for: the timers' fire-at times and the emails sent at each of them.
/// </summary>
public sealed class BusinessHoursWaitTests
{
    // Production defaults: a reminder every 2 days (up to 3), escalation after 7 days, no response after 14 days,
    // business hours 08:00-17:00 America/Los_Angeles, Monday to Friday.
    private static readonly WorkflowOptions Production = new();

    // Thursday 19 November 2026, 18:30 PST (UTC-8), after hours.
    private static readonly DateTime ThursdayEvening = Utc("2026-11-20T02:30:00Z");

    [Fact]
    public void The_production_defaults_have_business_hours_on() =>
        Assert.True(Production.ToPolicy().BusinessHours.Enabled);

    [Fact]
    public async Task Reminders_and_escalation_due_in_an_evening_or_a_weekend_wait_for_the_next_working_morning()
    {
        var played = await PlayAsync(Production.ToPolicy(), waitingSince: ThursdayEvening);

        // Each due time is WaitingSince + n x interval, moved to the next opening (08:00 Pacific, 16:00 UTC in November).
        Assert.Equal(
            [
                (Utc("2026-11-23T16:00:00Z"), NotificationKind.SupervisorReminder),   // due Sat 21 18:30 -> Mon 23 08:00
                (Utc("2026-11-24T16:00:00Z"), NotificationKind.SupervisorReminder),   // due Mon 23 18:30 (evening) -> Tue 24 08:00
                (Utc("2026-11-26T16:00:00Z"), NotificationKind.SupervisorReminder),   // due Wed 25 18:30 (evening) -> Thu 26 08:00
                (Utc("2026-11-27T16:00:00Z"), NotificationKind.SupervisorEscalation), // due Thu 26 18:30 (evening) -> Fri 27 08:00
                (Utc("2026-12-04T02:30:00Z"), NotificationKind.SupervisorCaseClosed), // the deadline: 14 calendar days
                (Utc("2026-12-04T02:30:00Z"), NotificationKind.CaseManagerOutcome),
            ],
            played.Emails);
        // One timer per step, each set for exactly the instant its work is due: nothing fires in the evening or at a weekend.
        Assert.Equal(played.Emails.Select(e => e.At).Distinct(), played.Timers);
        Assert.Equal(CaseOutcome.NoSupervisorResponse, played.Result.Outcome);
        Assert.Equal([1, 2, 3], played.ReminderAttempts);
    }

    [Fact]
    public async Task From_version_3_the_supervisor_deadline_also_waits_for_the_next_working_morning()
    {
        var played = await PlayAsync(Production.ToPolicy(), waitingSince: ThursdayEvening, version: OrchestratorVersions.DeadlinesInBusinessHours);

        // 14 calendar days end on Thursday 3 December at 18:30 Pacific, after hours: the case closes Friday at 08:00.
        var friday = Utc("2026-12-04T16:00:00Z");
        Assert.Equal(friday, played.Timers[^1]);
        Assert.Equal([(friday, NotificationKind.SupervisorCaseClosed), (friday, NotificationKind.CaseManagerOutcome)], played.Emails.TakeLast(2));
        Assert.Equal(CaseOutcome.NoSupervisorResponse, played.Result.Outcome);
        Assert.Contains("No supervisor decision by 2026-12-04 16:00 UTC", played.Result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_version_3_the_registration_deadline_waits_for_the_next_working_morning_and_earlier_versions_keep_calendar_time()
    {
        var v3 = await PlayAsync(Production.ToPolicy(), ThursdayEvening, OrchestratorVersions.DeadlinesInBusinessHours, CaseStage.AwaitingRegistration);
        var v2 = await PlayAsync(Production.ToPolicy(), ThursdayEvening, OrchestratorVersions.SsnDroppedAfterLookup, CaseStage.AwaitingRegistration);

        // A re-check every day at the hour the wait started (MIS work, any hour); the last one, and the close, at the deadline.
        Assert.Equal([.. Enumerable.Range(1, 14).Select(d => ThursdayEvening.AddDays(d)), Utc("2026-12-04T16:00:00Z")], v3.Timers);
        Assert.Equal([.. Enumerable.Range(1, 14).Select(d => ThursdayEvening.AddDays(d))], v2.Timers);
        Assert.Equal(CaseOutcome.RegistrationNotCompleted, v3.Result.Outcome);
        Assert.Equal(CaseOutcome.RegistrationNotCompleted, v2.Result.Outcome);
        Assert.Equal((Utc("2026-12-04T16:00:00Z"), NotificationKind.CaseManagerOutcome), v3.Emails.Single());
        Assert.Equal((ThursdayEvening.AddDays(14), NotificationKind.CaseManagerOutcome), v2.Emails.Single());
    }

    [Fact]
    public async Task A_wait_that_starts_on_a_saturday_sends_nothing_before_monday_morning()
    {
        var saturday = Utc("2026-11-21T19:00:00Z"); // Sat 11:00 PST
        var policy = new WorkflowOptions { ReminderInterval = TimeSpan.FromHours(4) }.ToPolicy();

        var played = await PlayAsync(policy, waitingSince: saturday);

        var monday = Utc("2026-11-23T16:00:00Z");
        // Reminder 1 is due Sat 15:00, reminder 2 Sat 19:00, reminder 3 Sat 23:00: none goes out before Monday 08:00.
        Assert.All(played.Emails.Where(e => e.Kind is NotificationKind.SupervisorReminder or NotificationKind.SupervisorEscalation), e => Assert.True(e.At >= monday, $"{e.Kind} at {e.At:u}"));
        Assert.Equal(monday, played.Timers[0]);
        Assert.Equal(3, played.ReminderAttempts.Count);
    }

    [Fact]
    public async Task With_business_hours_off_the_same_wait_runs_on_calendar_time()
    {
        var policy = new WorkflowOptions { BusinessHoursEnabled = false }.ToPolicy();

        var played = await PlayAsync(policy, waitingSince: ThursdayEvening);

        Assert.Equal(
            [ThursdayEvening.AddDays(2), ThursdayEvening.AddDays(4), ThursdayEvening.AddDays(6), ThursdayEvening.AddDays(7), ThursdayEvening.AddDays(14)],
            played.Timers);
    }

    [Fact]
    public async Task With_the_production_defaults_every_reminder_and_the_escalation_go_out_before_the_deadline_whatever_hour_the_wait_starts()
    {
        // Every hour of a week that crosses the end of daylight saving time (Sunday 1 November 2026).
        var start = Utc("2026-10-29T00:00:00Z");
        for (var hour = 0; hour < 7 * 24; hour++)
        {
            var since = start.AddHours(hour);
            var played = await PlayAsync(Production.ToPolicy(), since);
            var deadline = since + Production.SupervisorDeadline;

            Assert.True(played.ReminderAttempts.SequenceEqual([1, 2, 3]), $"waiting since {since:u}: reminders {string.Join(",", played.ReminderAttempts)}");
            var escalation = Assert.Single(played.Emails, e => e.Kind == NotificationKind.SupervisorEscalation);
            Assert.True(escalation.At < deadline, $"waiting since {since:u}: escalation at {escalation.At:u}, deadline {deadline:u}");
            Assert.All(played.Emails.Where(e => e.Kind is NotificationKind.SupervisorReminder or NotificationKind.SupervisorEscalation), e => Assert.True(IsOpen(e.At), $"waiting since {since:u}: {e.Kind} at {e.At:u} is outside business hours"));
        }
    }

    private static bool IsOpen(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"));
        return local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && local.Hour is >= 8 and < 17;
    }

    /// <summary>
    /// Runs the waiting orchestrator from <paramref name="waitingSince"/> until it closes: each execution on a fresh fake
    /// context whose clock is the fire-at of the timer the previous execution set, fed the input it continued as new
    /// with. No event ever arrives. Bounded: a wait that never closes fails.
    /// </summary>
    /// <param name="version">The case's orchestration version: none (before versioning) unless given.</param>
    /// <param name="stage">The wait: the supervisor's, or the client's registration (MIS never finds the client).</param>
    private static async Task<Played> PlayAsync(WorkflowPolicy policy, DateTime waitingSince, string version = "", CaseStage stage = CaseStage.AwaitingSupervisor)
    {
        var input = Case(policy, waitingSince);
        var status = CaseStatus.For(input);
        status.Stage = stage;
        status.WaitingSince = waitingSince;
        var run = new CaseRun(input, status, stage);
        var now = waitingSince;
        var emails = new List<(DateTime, NotificationKind)>();
        var attempts = new List<int>();
        var timers = new List<DateTime>();
        for (var execution = 0; execution < 50; execution++)
        {
            var ctx = Substitute.ForPartsOf<OrchestratorUnitTests.TestContext>();
            var at = now;
            ctx.CurrentUtcDateTime.Returns(at);
            ctx.Version.Returns(version);
            ctx.CallActivityAsync<SeekerMatch>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Search), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(new SeekerMatch(false, null));
            ctx.CallActivityAsync<NotificationReceipt>(Arg.Is<TaskName>(n => n.Name == WorkflowNames.Notify), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(ci =>
                {
                    var r = (NotificationRequest)ci.ArgAt<object?>(1)!;
                    emails.Add((at, r.Kind));
                    if (r.Kind == NotificationKind.SupervisorReminder)
                    {
                        attempts.Add(r.Attempt);
                    }

                    return new NotificationReceipt(r.MessageKey, "x@example.org", true);
                });
            ctx.WaitForExternalEvent<SupervisorDecision>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<SupervisorDecision>().Task);
            ctx.WaitForExternalEvent<CaseWithdrawal>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<CaseWithdrawal>().Task);
            ctx.WaitForExternalEvent<StaleCaseFlag>(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<StaleCaseFlag>().Task);
            DateTime? fireAt = null;
            ctx.CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(ci =>
            {
                Assert.Null(fireAt); // one timer per execution: it fires, and the case continues as new at once
                fireAt = ci.ArgAt<DateTime>(0);
                Assert.True(fireAt >= at, $"a timer set at {at:u} for {fireAt:u}, in the past");
                timers.Add(fireAt.Value);
                return Task.CompletedTask;
            });
            CaseRun? next = null;
            ctx.When(c => c.ContinueAsNew(Arg.Any<object?>(), Arg.Any<bool>())).Do(ci => next = (CaseRun)ci.ArgAt<object?>(0)!);

            var result = await new OptOutCaseOrchestrator().RunAsync(ctx, run);
            if (next is null)
            {
                return new Played(emails, attempts, timers, result);
            }

            run = next;
            now = fireAt ?? throw new InvalidOperationException("continued as new without a timer");
        }

        throw new InvalidOperationException($"the wait did not close after 50 executions; timers: {string.Join(", ", timers.Select(t => t.ToString("u")))}");
    }

    private static DateTime Utc(string iso) =>
        DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

    private static CaseInput Case(WorkflowPolicy policy, DateTime received) => new(
        "bh-1",
        new CaseManagerInfo("Casey", "casey@example.org", "port-angeles"),
        new ClientInfo("Elena", "Optout", "360-555-0105", "elena@example.net", null, "0005", ""),
        "training",
        new Contact("Pat", "pat@example.org"),
        new Contact("Morgan", "morgan@example.org"),
        received,
        "fp",
        "test",
        policy);

    private sealed record Played(List<(DateTime At, NotificationKind Kind)> Emails, List<int> ReminderAttempts, List<DateTime> Timers, CaseResult Result);
}
