using OptOut.Workflow.Access;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Tests.Protection;

/// <summary>
/// Every branch of 5212PRO (S-1001..S-1007, registration, both decisions, withdrawal, no response, the stale scan) on the
/// in-process engine; then the seeded SSNs, in every form, must appear nowhere: not in any instance's input, output,
/// custom status or full history (every execution, as recorded from the engine's storage), not in any log line and
/// not in any email.
/// </summary>
public sealed class SsnNeverLeaksTests : EngineFixture
{
    private WorkflowTestHost? _fast;

    private WorkflowTestHost Fast => _fast ?? throw new InvalidOperationException("The fast engine has not started.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _fast = await WorkflowTestHost.StartAsync(s => Timings(s, fast: true));
    }

    public override async Task DisposeAsync()
    {
        if (_fast is not null)
        {
            await Fast.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void Settings(Dictionary<string, string?> settings) => Timings(settings, fast: false);

    /// <summary>
    /// Two engines: the no-response and registration-not-completed cases run on one with seconds (reminders,
    /// escalation, deadlines); the others wait minutes, so their decisions never arrive in the same instant as a timer (see the report on that race).
    /// </summary>
    private static void Timings(IDictionary<string, string?> s, bool fast)
    {
        if (fast)
        {
            s.SupervisorWait(TimeSpan.FromSeconds(1), escalateAfter: TimeSpan.FromSeconds(2), deadline: TimeSpan.FromSeconds(5));
        }
        else
        {
            s.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(1), deadline: TimeSpan.FromMinutes(2));
        }

        s["Workflow:MaxReminders"] = "2";
        // The fast engine's registration case is meant to run out; the other's is registered whenever the test gets
        // to it (ten sequential starts on a loaded machine), so its deadline is out of reach.
        s["Workflow:RegistrationDeadline"] = fast ? "00:00:03" : "00:20:00";
    }

    [Fact]
    public async Task No_seeded_ssn_appears_in_durable_state_history_logs_or_emails_on_any_branch()
    {
        var cases = new (string CaseId, string Seeker, bool? HasAccount, string Expected)[]
        {
            ("leak-1001", "S-1001", null, nameof(CaseOutcome.AlreadyInOffice)),
            ("leak-1002", "S-1002", null, nameof(CaseOutcome.AddedFromStatewide)),
            ("leak-1003", "S-1003", false, nameof(CaseOutcome.RegisteredAndAdded)),
            ("leak-1004", "S-1004", null, nameof(CaseOutcome.NotOptedOutNeedsReview)),
            ("leak-1004-reg", "S-1004", false, nameof(CaseOutcome.RegistrationNotCompleted)),
            ("leak-1005", "S-1005", null, nameof(CaseOutcome.OptedInAndAdded)),
            ("leak-1006", "S-1006", null, nameof(CaseOutcome.RemainsOptedOut)),
            ("leak-1006-w", "S-1006", null, nameof(CaseOutcome.Withdrawn)),
            ("leak-1007", "S-1007", null, nameof(CaseOutcome.Failed)),
            ("leak-1007-none", "S-1007", null, nameof(CaseOutcome.NoSupervisorResponse)),
        };
        foreach (var c in cases)
        {
            await HostOf(c.CaseId).StartAsync(Requests.For(c.Seeker, c.CaseId, hasAccount: c.HasAccount));
        }

        // A duplicate and a conflicting request go through the same code paths that log.
        Assert.Equal(StartDisposition.Existing, (await Host.Start.HandleAsync(Caller.System, Requests.For("S-1001", "leak-1001"), "test", CancellationToken.None)).Disposition);
        Assert.Equal(StartDisposition.Conflict, (await Host.Start.HandleAsync(Caller.System, Requests.For("S-1002", "leak-1001"), "test", CancellationToken.None)).Disposition);

        await Host.WaitForStageAsync("leak-1003", CaseStage.AwaitingRegistration);
        Host.Mis.Register("S-1003");
        foreach (var id in new[] { "leak-1005", "leak-1006", "leak-1006-w", "leak-1007" })
        {
            await HostOf(id).WaitForSupervisorEmailedAsync(id);
            await HostOf(id).WaitUntilWaitingAsync(id);
        }

        // The scheduled scan flags the waiting cases (digest email + StaleCaseFlagged events).
        var scanner = new StaleCaseScanner(Host.Client, Host.Services.GetRequiredService<INotifier>(), Host.Services.GetRequiredService<IOptionsMonitor<EscalationOptions>>(), new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1)), Host.Services.GetRequiredService<ILogger<StaleCaseScanner>>());
        Assert.NotEmpty((await scanner.ScanAsync(CancellationToken.None)).Escalated);

        Host.Mis.OptIn("S-1005");
        await DecideAsync("leak-1005", DecisionChoice.OptedIn, "Spoke with the client.");
        await DecideAsync("leak-1006", DecisionChoice.RemainOptedOut, "Client prefers ESD staff.");
        await DecideAsync("leak-1007", DecisionChoice.OptedIn, null);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, "leak-1006-w", "Client moved away.", CancellationToken.None)).Disposition);

        foreach (var c in cases)
        {
            var closed = await HostOf(c.CaseId).WaitForClosedAsync(c.CaseId, TimeSpan.FromSeconds(30));

            Assert.True(c.Expected == closed.Outcome, $"{c.CaseId}: expected {c.Expected}, got {closed.Outcome}");
        }

        // What the scan looks at is real: all executions' history, with the protected SSN and the masked form in it.
        var records = Host.Durable.Records.Concat(Fast.Durable.Records).ToList();
        Assert.True(records.Where(r => r.Kind == "history:ExecutionStarted").GroupBy(r => r.InstanceId).Any(g => g.Count() >= 3), "no case went through several executions (continue-as-new)");
        Assert.Contains(records, r => r.Kind == "history:TaskScheduled" && r.Json.Contains("OptOutLookupActivity", StringComparison.Ordinal) && r.Json.Contains("ssn.v2.", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Kind == "history:EventRaised" && r.Json.Contains(WorkflowEvents.SupervisorDecision, StringComparison.Ordinal));
        Assert.Contains(records, r => r.Kind == "history:EventRaised" && r.Json.Contains(WorkflowEvents.StaleFlag, StringComparison.Ordinal));

        var haystacks = new List<(string Where, string Text)>();
        haystacks.AddRange(records.Select(r => ($"durable {r.InstanceId} {r.Kind}", r.Json)));
        foreach (var host in new[] { Host, Fast })
        {
            await foreach (var instance in host.Client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }))
            {
                haystacks.Add(($"instance {instance.InstanceId}", $"{instance.SerializedInput}\n{instance.SerializedOutput}\n{instance.SerializedCustomStatus}\n{instance.FailureDetails}"));
                haystacks.Add(($"history {instance.InstanceId}", await host.Durable.GetOrchestrationHistoryAsync(instance.InstanceId, "")));
                var view = await host.Get.HandleAsync(Caller.System, instance.InstanceId, CancellationToken.None);
                haystacks.Add(($"view {instance.InstanceId}", System.Text.Json.JsonSerializer.Serialize(view)));
            }

            haystacks.AddRange(host.Logs.Lines.Select(l => ("log", l)));
            haystacks.AddRange(host.Mailbox.All.Select(m => ($"email {m.Message.Key}", $"{m.Message.To}\n{m.Message.Subject}\n{m.Message.TextBody}\n{m.Message.HtmlBody}")));
        }

        Assert.Contains(haystacks, h => h.Text.Contains("***-**-0005", StringComparison.Ordinal)); // the masked form is published (status, timeline)
        Assert.True(haystacks.Count(h => h.Where.StartsWith("email", StringComparison.Ordinal)) >= 20, "too few emails");
        Assert.Contains(Host.Mailbox.All, m => m.Message.Key.StartsWith("stale-digest:", StringComparison.Ordinal));
        Assert.Contains(Fast.Mailbox.All, m => m.Message.Key.Contains(":SupervisorReminder:", StringComparison.Ordinal));
        Assert.Contains(Fast.Mailbox.All, m => m.Message.Key.Contains(":SupervisorEscalation:", StringComparison.Ordinal));

        var leaks = new List<string>();
        foreach (var p in MisSimulator.Seeded().Participants)
        {
            foreach (var form in Requests.SsnForms(p.Ssn))
            {
                leaks.AddRange(haystacks.Where(h => h.Text.Contains(form, StringComparison.Ordinal)).Select(h => $"{p.SeekerId} ({form}) in {h.Where}"));
            }
        }

        Assert.True(leaks.Count == 0, "SSN found:\n" + string.Join("\n", leaks.Distinct().Take(50)));
    }

    [Fact]
    public async Task Logs_carry_the_case_id_as_a_structured_value_and_no_client_details()
    {
        var id = await Host.StartAsync(Requests.For("S-1005", "log-pii-1", clientEmail: "elena.optout@example.net"));
        await Host.WaitForSupervisorEmailedAsync(id);
        await Host.WaitUntilWaitingAsync(id);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Withdraw.HandleAsync(Caller.System, id, "Elena asked to stop.", CancellationToken.None)).Disposition);
        await Host.WaitForClosedAsync(id);

        var ours = Host.Logs.Lines.Where(l => l.Contains("log-pii-1", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ours);
        Assert.All(ours.Where(l => l.Contains(" OptOut.", StringComparison.Ordinal)), l => Assert.Contains("CaseId=log-pii-1", l, StringComparison.Ordinal));
        foreach (var pii in new[] { "Elena", "Optout", "360-555-0105", "3605550105", "elena.optout@example.net", "0005", "Elena asked to stop" })
        {
            Assert.DoesNotContain(Host.Logs.Lines, l => l.Contains(pii, StringComparison.Ordinal));
        }
    }

    private WorkflowTestHost HostOf(string caseId) => caseId is "leak-1007-none" or "leak-1004-reg" ? Fast : Host;

    private async Task DecideAsync(string caseId, DecisionChoice choice, string? note)
    {
        var request = Assert.Single(Host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1");
        var token = request.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        var result = await Host.Decide.DecideAsync(token, choice, note, null, CancellationToken.None);
        Assert.True(result.Disposition == CommandDisposition.Accepted, $"{caseId}: {result.Disposition} {result.Message}");
    }
}
