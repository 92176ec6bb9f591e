using OptOut.Workflow.Access;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;
using OptOut.Workflow.UseCases;

namespace OptOut.Workflow.Tests.Replay;

/// <summary>
/// A test that only runs when OPTOUT_RECORD_HISTORIES is set: to 1 (every case) or to case names separated by commas
/// (only those cases, with the waiting points cut from them). It re-records the histories the replay guard reads.
/// </summary>
public sealed class RecordingFactAttribute : FactAttribute
{
    public static string? Selection => Environment.GetEnvironmentVariable("OPTOUT_RECORD_HISTORIES");

    public RecordingFactAttribute()
    {
        if (string.IsNullOrEmpty(Selection))
        {
            Skip = "Re-records Replay/Histories; set OPTOUT_RECORD_HISTORIES=1 (or case names) to run (docs/orchestrator-versioning.md).";
        }
    }

    public static bool Selects(string name) => Selection == "1" || Selection!.Split(',', StringSplitOptions.TrimEntries).Contains(name, StringComparer.Ordinal);
}

/// <summary>
/// Drives one case per waiting point and outcome of <c>OptOutCaseOrchestrator</c> on the in-process engine, records the
/// orchestrator's work items at the worker's gRPC connection, and writes each case's executions to
/// Replay/Histories/{name}.json in the source tree. Waiting points are cut from the case that passes them: the
/// execution as it stands while the case waits there (the history a redeploy finds in storage).
/// </summary>
public sealed class HistoryRecording
{
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "Histories");

    // No reminders while cases wait for a supervisor; registration re-checked every second up to 4 s (test defaults).
    private static readonly Action<Dictionary<string, string?>> Quiet = s =>
    {
        s["Workflow:ReminderInterval"] = "00:05:00";
        s["Workflow:EscalateAfter"] = "00:10:00";
        s["Workflow:SupervisorDeadline"] = "00:20:00";
    };

    // Two reminders (1 s apart), escalation at 2.5 s, deadline at 4 s.
    private static readonly Action<Dictionary<string, string?>> Hurried = s =>
    {
        s["Workflow:ReminderInterval"] = "00:00:01";
        s["Workflow:MaxReminders"] = "2";
        s["Workflow:EscalateAfter"] = "00:00:02.500";
        s["Workflow:SupervisorDeadline"] = "00:00:04";
    };

    [RecordingFact]
    public async Task Record_every_waiting_point_and_outcome()
    {
        Directory.CreateDirectory(SourceDirectory());

        await Record("already-in-office", "Office Quick Search finds the client: AlreadyInOffice.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1001", "replay-in-office")));
        await Record("added-from-statewide", "Found statewide and added to the office: AddedFromStatewide.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1002", "replay-statewide")));
        await Record("not-opted-out-needs-review", "Registered, not found, not opted out: NotOptedOutNeedsReview.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1004", "replay-review")));

        await Record("registered-and-added", "No account; registers after a re-check: RegisteredAndAdded.", Quiet, async h =>
        {
            var id = await h.Host.StartAsync(Requests.For("S-1003", "replay-registered"));
            await WaitForAsync(() => h.Traffic.Executions(id).Count >= 2);
            await h.Host.WaitUntilWaitingAsync(id);
            h.Host.Mis.Register("S-1003");
            return id;
        });

        var notRegistered = await Record("registration-not-completed", "No account and never registers: RegistrationNotCompleted at the deadline.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1003", "replay-not-registered")));
        Cut(notRegistered, "awaiting-registration", "Waiting for registration, first execution (emails sent, timer to the first re-check).", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && Is(s, "RegistrationChecks", 0));
        Cut(notRegistered, "awaiting-registration-after-recheck", "Waiting for registration after one re-check (a continued-as-new execution).", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && Is(s, "RegistrationChecks", 1));

        await Record("withdrawn-awaiting-registration", "Withdrawn while waiting for registration: Withdrawn.", Quiet, async h =>
        {
            var id = await h.Host.StartAsync(Requests.For("S-1003", "replay-withdrawn-registration"));
            await h.Host.WaitUntilWaitingAsync(id);
            await Accepted(h.Host.Withdraw.HandleAsync(Caller.System, id, "Client moved away.", default));
            return id;
        });

        await Record("opted-in-and-added", "Opted out; the supervisor opts the client in and MIS shows them: OptedInAndAdded.", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1005", "replay-opted-in");
            h.Host.Mis.OptIn("S-1005");
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.OptedIn, "Spoke with the client.", null, default));
            return id;
        });

        var neverVisible = await Record("failed-opt-in-never-visible", "Opted in, but MIS never shows the client: Failed after the verify checks.", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1007", "replay-never-visible");
            h.Host.Mis.OptIn("S-1007");
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.OptedIn, null, null, default));
            return id;
        });
        Cut(neverVisible, "verifying-opt-in-not-visible", "Verifying an opt-in: the client is not visible yet, timer to the next check.", s => Is(s, "Stage", CaseStage.VerifyingOptIn));

        await Record("remains-opted-out", "The supervisor records that the client remains opted out: RemainsOptedOut.", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1006", "replay-remains");
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.RemainOptedOut, "Prefers ESD staff.", null, default));
            return id;
        });

        await Record("withdrawn-awaiting-supervisor", "Withdrawn while waiting for the supervisor: Withdrawn (supervisor told).", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1006", "replay-withdrawn-supervisor");
            await Accepted(h.Host.Withdraw.HandleAsync(Caller.System, id, "Client moved away.", default));
            return id;
        });

        await Record("failed-retries-exhausted", "The Opt-Out Lookup fails after its retries: Failed.", Quiet, async h =>
        {
            ((RecordingMis)h.Host.Services.GetRequiredService<IMisGateway>()).FailNext("lookup", 10);
            return await h.Host.StartAsync(Requests.For("S-1004", "replay-retries-exhausted"));
        });

        var noResponse = await Record("no-supervisor-response", "No decision: two reminders, escalation, then NoSupervisorResponse at the deadline.", Hurried, async h => await h.Host.StartAsync(Requests.For("S-1005", "replay-no-response")));
        Cut(noResponse, "awaiting-supervisor", "Waiting for the supervisor, first execution (emails sent, timer to the first reminder).", s => Is(s, "Stage", CaseStage.AwaitingSupervisor) && Is(s, "RemindersSent", 0));
        Cut(noResponse, "awaiting-supervisor-after-reminder", "Waiting for the supervisor after the first reminder (a continued-as-new execution).", s => Is(s, "RemindersSent", 1) && Is(s, "Escalated", false));
        Cut(noResponse, "awaiting-supervisor-after-escalation", "Waiting for the supervisor after the escalation email (a continued-as-new execution).", s => Is(s, "Escalated", true));
    }

    /// <summary>
    /// Version 2 drops the encrypted SSN from continue-as-new inputs: recorded for every case that continues as new
    /// (the waiting points after a reminder, an escalation and a registration re-check, and the cases through them).
    /// The unversioned recordings above stay: cases started before versioning replay them.
    /// </summary>
    [RecordingFact]
    public async Task Record_version_2()
    {
        const string v2 = OrchestratorVersions.SsnDroppedAfterLookup;
        var noResponse = await Record("v2-no-supervisor-response", "Version 2: no decision, two reminders, escalation, NoSupervisorResponse.", Hurried, async h => await h.Host.StartAsync(Requests.For("S-1005", "replay-v2-no-response")), v2);
        Cut(noResponse, "v2-awaiting-supervisor-after-reminder", "Version 2: waiting for the supervisor after the first reminder (input without the encrypted SSN).", s => Is(s, "RemindersSent", 1) && Is(s, "Escalated", false));
        Cut(noResponse, "v2-awaiting-supervisor-after-escalation", "Version 2: waiting for the supervisor after the escalation email.", s => Is(s, "Escalated", true));

        var notRegistered = await Record("v2-registration-not-completed", "Version 2: no account and never registers: RegistrationNotCompleted.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1003", "replay-v2-not-registered")), v2);
        Cut(notRegistered, "v2-awaiting-registration-after-recheck", "Version 2: waiting for registration after one re-check (input without the encrypted SSN).", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && Is(s, "RegistrationChecks", 1));

        await Record("v2-opted-in-and-added", "Version 2: the supervisor opts the client in: OptedInAndAdded.", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1005", "replay-v2-opted-in");
            h.Host.Mis.OptIn("S-1005");
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.OptedIn, "Spoke with the client.", null, default));
            return id;
        }, v2);
    }

    /// <summary>
    /// Version 3 lets a side email of the step that starts a wait fail without failing the case, and puts deadlines in
    /// business hours (off in these recordings, as in every engine test: the timers are those of version 2, but the
    /// replay now takes version 3's branches). Recorded: the waiting points and outcomes of both waits, and the new
    /// paths (a client email failed and the case waits on; the supervisor's request failed and the case closed).
    /// </summary>
    [RecordingFact]
    public async Task Record_version_3()
    {
        const string v3 = OrchestratorVersions.Current;
        var noResponse = await Record("v3-no-supervisor-response", "Version 3: no decision, two reminders, escalation, NoSupervisorResponse.", Hurried, async h => await h.Host.StartAsync(Requests.For("S-1005", "replay-v3-no-response")), v3);
        Cut(noResponse, "v3-awaiting-supervisor", "Version 3: waiting for the supervisor, first execution.", s => Is(s, "Stage", CaseStage.AwaitingSupervisor) && Is(s, "RemindersSent", 0));
        Cut(noResponse, "v3-awaiting-supervisor-after-reminder", "Version 3: waiting for the supervisor after the first reminder.", s => Is(s, "RemindersSent", 1) && Is(s, "Escalated", false));
        Cut(noResponse, "v3-awaiting-supervisor-after-escalation", "Version 3: waiting for the supervisor after the escalation email.", s => Is(s, "Escalated", true));

        var notRegistered = await Record("v3-registration-not-completed", "Version 3: no account and never registers: RegistrationNotCompleted.", Quiet, async h => await h.Host.StartAsync(Requests.For("S-1003", "replay-v3-not-registered")), v3);
        Cut(notRegistered, "v3-awaiting-registration", "Version 3: waiting for registration, first execution.", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && Is(s, "RegistrationChecks", 0));
        Cut(notRegistered, "v3-awaiting-registration-after-recheck", "Version 3: waiting for registration after one re-check.", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && Is(s, "RegistrationChecks", 1));

        await Record("v3-opted-in-and-added", "Version 3: the supervisor opts the client in: OptedInAndAdded.", Quiet, async h =>
        {
            var id = await AwaitingSupervisor(h, "S-1005", "replay-v3-opted-in");
            h.Host.Mis.OptIn("S-1005");
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.OptedIn, "Spoke with the client.", null, default));
            return id;
        }, v3);

        var clientFailed = await Record("v3-client-email-failed-remains-opted-out", "Version 3: the client's email fails after its retries, the case manager is told, the case waits; the supervisor decides: RemainsOptedOut.", Quiet, async h =>
        {
            const string id = "replay-v3-client-email-failed";
            h.Host.Emails.Fail($"{id}:{NotificationKind.ClientContactSupervisor}:1");
            await h.Host.StartAsync(Requests.For("S-1006", id));
            await h.Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Client email failed"));
            await h.Host.WaitUntilWaitingAsync(id);
            await Accepted(h.Host.Decide.DecideAsync(Token(h, id), DecisionChoice.RemainOptedOut, "Reached the client by phone.", null, default));
            return id;
        }, v3);
        Cut(clientFailed, "v3-awaiting-supervisor-client-email-failed", "Version 3: waiting for the supervisor after the client's email failed.", s => Is(s, "Stage", CaseStage.AwaitingSupervisor) && HasStep(s, "Client email failed"));

        await Record("v3-registration-case-manager-email-failed", "Version 3: no account; the case manager's email fails, the client's goes; the client registers: RegisteredAndAdded.", Quiet, async h =>
        {
            const string id = "replay-v3-cm-email-failed";
            h.Host.Emails.Fail($"{id}:{NotificationKind.CaseManagerUpdate}:1");
            await h.Host.StartAsync(Requests.For("S-1003", id));
            await h.Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Case manager email failed"));
            await WaitForAsync(() => h.Traffic.Executions(id).Count >= 2);
            await h.Host.WaitUntilWaitingAsync(id);
            h.Host.Mis.Register("S-1003");
            return id;
        }, v3);

        var registrationClientFailed = await Record("v3-registration-client-email-failed-withdrawn", "Version 3: no account; the registration instructions fail after their retries, the case waits; withdrawn: Withdrawn.", Quiet, async h =>
        {
            const string id = "replay-v3-reg-client-email-failed";
            h.Host.Emails.Fail($"{id}:{NotificationKind.ClientRegistrationInstructions}:1");
            await h.Host.StartAsync(Requests.For("S-1003", id));
            await h.Host.WaitForAsync(id, c => c.Timeline.Any(t => t.Step == "Client email failed"));
            await h.Host.WaitUntilWaitingAsync(id);
            await Accepted(h.Host.Withdraw.HandleAsync(Caller.System, id, "Client moved away.", default));
            return id;
        }, v3);
        Cut(registrationClientFailed, "v3-awaiting-registration-client-email-failed", "Version 3: waiting for registration after the registration instructions failed.", s => Is(s, "Stage", CaseStage.AwaitingRegistration) && HasStep(s, "Client email failed"));

        await Record("v3-failed-supervisor-request", "Version 3: the supervisor's request fails after its retries (the other emails go): Failed.", Quiet, async h =>
        {
            const string id = "replay-v3-supervisor-request-failed";
            h.Host.Emails.Fail($"{id}:{NotificationKind.SupervisorRequest}:1");
            return await h.Host.StartAsync(Requests.For("S-1006", id));
        }, v3);
    }

    private sealed record Recording(WorkflowTestHost Host, OrchestratorTraffic Traffic);

    /// <param name="version">The orchestration version the case starts with: none (before versioning) unless given.</param>
    private static async Task<RecordedCase?> Record(string name, string description, Action<Dictionary<string, string?>> settings, Func<Recording, Task<string>> drive, string version = "")
    {
        if (!RecordingFactAttribute.Selects(name))
        {
            return null;
        }

        var traffic = new OrchestratorTraffic();
        await using var host = await WorkflowTestHost.StartAsync(s => { s["Workflow:OrchestrationVersion"] = version; settings(s); }, s =>
        {
            traffic.AddTo(s);
            s.AddSingleton<IMisGateway>(sp => new RecordingMis(sp.GetRequiredService<MisSimulator>()));
        });
        var id = await drive(new Recording(host, traffic));
        await host.WaitForClosedAsync(id, TimeSpan.FromSeconds(40));

        var executions = traffic.Executions(id);
        var steps = traffic.For(id);
        // The files must reproduce the engine's work items exactly: check the step split against what was captured.
        var replayed = executions.SelectMany(e => e.Steps()).ToList();
        Assert.Equal(steps.Count, replayed.Count);
        for (var k = 0; k < steps.Count; k++)
        {
            Assert.Equal(steps[k].Request.PastEvents, replayed[k].Past);
            Assert.Equal(steps[k].Request.NewEvents, replayed[k].New);
        }

        var recorded = new RecordedCase(name, description, executions);
        recorded.Save(Path.Combine(SourceDirectory(), $"{name}.json"));
        return recorded;
    }

    /// <summary>Saves the first execution that reaches a waiting step matching <paramref name="status"/>, cut after that step.</summary>
    private static void Cut(RecordedCase? recorded, string name, string description, Func<JsonNode, bool> status)
    {
        if (recorded is null)
        {
            return;
        }

        foreach (var e in recorded.Executions)
        {
            var steps = e.Steps();
            var at = steps.FirstOrDefault(s =>
                s.Produced.Any(p => p.EventTypeCase == Microsoft.DurableTask.Protobuf.HistoryEvent.EventTypeOneofCase.TimerCreated)
                && e.CustomStatus[s.Index] is { } json && status(JsonNode.Parse(json)!));
            if (at is not null)
            {
                var history = e.History.Take(at.Past.Count + at.New.Count + at.Produced.Count).ToList();
                new RecordedCase(name, description, [e with { History = history, CustomStatus = [.. e.CustomStatus.Take(at.Index + 1)] }])
                    .Save(Path.Combine(SourceDirectory(), $"{name}.json"));
                return;
            }
        }

        Assert.Fail($"{recorded.Name}: no waiting step for {name}.");
    }

    private static bool Is<T>(JsonNode status, string property, T expected)
    {
        var value = status[property];
        return expected switch
        {
            CaseStage stage => value?.ToString() == stage.ToString() || value?.ToString() == ((int)stage).ToString(System.Globalization.CultureInfo.InvariantCulture),
            bool b => value?.GetValue<bool>() == b,
            int i => value?.GetValue<int>() == i,
            _ => throw new NotSupportedException(typeof(T).Name),
        };
    }

    private static bool HasStep(JsonNode status, string step) =>
        status["Timeline"]?.AsArray().Any(t => t?["Step"]?.ToString() == step) == true;

    private static async Task<string> AwaitingSupervisor(Recording h, string seekerId, string caseId)
    {
        var id = await h.Host.StartAsync(Requests.For(seekerId, caseId));
        await h.Host.WaitForSupervisorEmailedAsync(id);
        await h.Host.WaitUntilWaitingAsync(id);
        return id;
    }

    private static string Token(Recording h, string caseId) =>
        h.Host.Mailbox.For(caseId).First(m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1").Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];

    private static async Task Accepted(Task<CommandResult> command)
    {
        var result = await command;
        Assert.True(result.Disposition == CommandDisposition.Accepted, $"{result.Disposition}: {result.Message}");
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }
}
