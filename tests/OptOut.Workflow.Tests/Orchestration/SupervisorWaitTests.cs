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
    protected override void Settings(Dictionary<string, string?> settings)
    {
        settings.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: TimeSpan.FromSeconds(3.5), deadline: TimeSpan.FromSeconds(7));
        settings["Workflow:MaxReminders"] = "5";
    }

    [Fact]
    public async Task No_decision_means_reminders_up_to_the_maximum_then_escalation_then_no_supervisor_response()
    {
        var id = await Start("W-1", "Nora", "Nodecision", "521330001");
        var c = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(40));

        Assert.Equal(nameof(CaseOutcome.NoSupervisorResponse), c.Outcome);
        Assert.Equal(5, c.RemindersSent);
        Assert.True(c.Escalated);
        var steps = c.Timeline.Select(t => t.Step).ToList();
        Assert.Equal(5, steps.Count(s => s == "Reminder sent"));
        Assert.Equal(1, steps.Count(s => s == "Escalated"));
        Assert.True(steps.IndexOf("Escalated") > steps.IndexOf("Reminder sent"), "escalation comes after the first reminders");
        Assert.Equal("Closed", steps[^1]);

        var keys = Host.Mailbox.For(id).Select(m => m.Message.Key).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(n => $"{id}:{NotificationKind.SupervisorReminder}:{n}"), keys.Where(k => k.Contains(":SupervisorReminder:", StringComparison.Ordinal)));
        var escalation = Assert.Single(Host.Mailbox.For(id), m => m.Message.Key.Contains(":SupervisorEscalation:", StringComparison.Ordinal)).Message;
        Assert.Equal("morgan.escalation@example.org", escalation.To.Email);
        Assert.Contains("/api/decisions/", escalation.TextBody, StringComparison.Ordinal);
        Assert.Contains($"{id}:{NotificationKind.SupervisorCaseClosed}:1", keys);
        var outcome = Assert.Single(Host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.CaseManagerOutcome}:1").Message;
        Assert.Contains("no supervisor response", outcome.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_per_execution_does_not_grow_with_the_number_of_reminders()
    {
        var id = await Start("W-2", "Hugo", "History", "521330002");
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

        Assert.True(executions.Count >= 7, $"expected one execution per waiting timer, got {executions.Count}: {string.Join(",", executions)}");
        var waiting = executions.Skip(1).SkipLast(1).ToList(); // first = intake and lookups; last = closing
        Assert.True(waiting.Max() <= 16, $"a waiting execution's history stays small: {string.Join(",", executions)}");
        Assert.True(waiting[^1] <= waiting.Take(2).Max(), $"history after 5 reminders is no larger than after 1: {string.Join(",", executions)}");
    }

    [Fact]
    public async Task Decisions_raised_as_a_reminder_timer_fires_are_never_lost()
    {
        var offsets = new[] { -40, -10, 0, 10, 40, 120 };
        var cases = new List<(string Id, DateTime WaitingSince)>();
        for (var i = 0; i < offsets.Length; i++)
        {
            var id = await Start($"W-3{i}", "Rita", $"Race{(char)('a' + i)}", $"52133010{i}");
            var waiting = await Host.WaitForSupervisorEmailedAsync(id);
            cases.Add((id, waiting.WaitingSince!.Value));
        }

        await Task.WhenAll(cases.Select(async (c, i) =>
        {
            var fireAt = c.WaitingSince.AddSeconds(1).AddMilliseconds(offsets[i]);
            var delay = fireAt - DateTime.UtcNow;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }

            var token = TokenFor(c.Id);
            var result = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, $"offset {offsets[i]} ms", default);
            var seen = await Host.Get.HandleAsync(c.Id, default);
            Assert.True(result.Disposition == CommandDisposition.Accepted, $"{c.Id} (offset {offsets[i]} ms, waiting since {c.WaitingSince:HH:mm:ss.fff}, now {DateTime.UtcNow:HH:mm:ss.fff}): {result.Disposition} {result.Message} {string.Join(" | ", seen!.Timeline.Select(t => $"{t.At:HH:mm:ss.fff} {t.Step}"))}");
        }));

        foreach (var (id, _) in cases)
        {
            var closed = await Host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));
            Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        }
    }

    [Fact]
    public async Task A_reminder_is_counted_once_its_email_has_gone_not_when_it_is_scheduled()
    {
        await using var host = await WorkflowTestHost.StartAsync(
            s => s["Workflow:ReminderInterval"] = "00:00:01",
            services => services.AddSingleton<INotifier>(sp => new GatedNotifier(sp.GetRequiredService<InMemoryMailbox>(), ":SupervisorReminder:1")));
        var gate = (GatedNotifier)host.Services.GetRequiredService<INotifier>();
        var id = await host.StartAsync(Requests.For("S-1005", "W-gate"));

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var sending = await host.Get.HandleAsync(id, default);
        Assert.Equal(0, sending!.RemindersSent);
        Assert.DoesNotContain("Reminder sent", sending.Timeline.Select(t => t.Step));

        gate.Release.TrySetResult();
        var sent = await host.WaitForAsync(id, v => v.RemindersSent == 1);
        Assert.Contains("Reminder sent", sent.Timeline.Select(t => t.Step));
        Assert.Contains(host.Mailbox.For(id), m => m.Message.Key == $"{id}:{NotificationKind.SupervisorReminder}:1");
        await host.Withdraw.HandleAsync(id, "test cleanup", default);
    }

    [Fact]
    public async Task The_emailed_link_works_as_soon_as_the_email_lands_even_while_the_other_emails_are_still_going_out()
    {
        // Seen on a CI run: the supervisor opened the link while the case manager's email was still being sent, and the
        // page said "not waiting for a supervisor decision". The case now waits from the step that schedules the emails.
        await using var host = await WorkflowTestHost.StartAsync(
            services: services => services.AddSingleton<INotifier>(sp => new GatedNotifier(sp.GetRequiredService<InMemoryMailbox>(), $":{NotificationKind.CaseManagerUpdate}:1")));
        var gate = (GatedNotifier)host.Services.GetRequiredService<INotifier>();
        var id = await host.StartAsync(Requests.For("S-1005", "W-early-link"));

        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var request = await host.Mailbox.WaitForEmailAsync($"{id}:{NotificationKind.SupervisorRequest}:1");
        var token = TokenIn(request.Message);
        var inspected = await host.Decide.InspectAsync(token, default);
        Assert.True(inspected.Disposition == CommandDisposition.Accepted, $"{inspected.Disposition}: {inspected.Message}");
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), inspected.Case!.Stage);
        Assert.Equal(CommandDisposition.Accepted, (await host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "decided early", default)).Disposition);

        // The decision came in while the orchestrator was still waiting on the emails: it is buffered, not lost.
        var stillSending = await host.Get.HandleAsync(id, default);
        Assert.False(stillSending!.IsClosed);
        gate.Release.TrySetResult();
        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Contains("decided early", closed.Timeline.Single(t => t.Step == "Supervisor decision").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_withdrawal_while_the_registration_emails_are_going_out_is_not_lost()
    {
        await using var host = await WorkflowTestHost.StartAsync(
            services: services => services.AddSingleton<INotifier>(sp => new GatedNotifier(sp.GetRequiredService<InMemoryMailbox>(), $":{NotificationKind.CaseManagerUpdate}:1")));
        var gate = (GatedNotifier)host.Services.GetRequiredService<INotifier>();
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
        Assert.Equal(CommandDisposition.Accepted, (await host.Withdraw.HandleAsync(id, "client moved", default)).Disposition);
        gate.Release.TrySetResult();
        var closed = await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal(nameof(CaseOutcome.Withdrawn), closed.Outcome);
    }

    /// <summary>Holds the email whose key ends with <c>keySuffix</c> until released; sends everything else at once.</summary>
    private sealed class GatedNotifier(InMemoryMailbox inner, string keySuffix) : INotifier
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
        {
            if (message.Key.EndsWith(keySuffix, StringComparison.Ordinal))
            {
                Entered.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return await inner.SendAsync(message, cancellationToken);
        }
    }

    private async Task<string> Start(string caseId, string first, string last, string ssn)
    {
        Host.Mis.Add(new SimulatedParticipant { SeekerId = caseId, FirstName = first, LastName = last, Phone = "360-555-0140", Ssn = ssn, OptedOut = true });
        var request = Requests.For("S-1006", caseId);
        request.Client!.FirstName = first;
        request.Client.LastName = last;
        request.Client.Phone = "360-555-0140";
        request.Client.Ssn = ssn;
        return await Host.StartAsync(request);
    }

    private string TokenFor(string caseId) =>
        TokenIn(Host.Mailbox.For(caseId).First(m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1").Message);

    private static string TokenIn(EmailMessage email) => email.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
}
