using System.Text.RegularExpressions;
using Google.Protobuf;
using Microsoft.DurableTask.Protobuf;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OptOut.Workflow.Orchestration;
using Xunit.Abstractions;

namespace OptOut.Workflow.Tests.Replay;

/// <summary>
/// The replay guard: every recorded history (Replay/Histories, recorded from the orchestrator as it was when they were
/// recorded) replays through <see cref="GrpcOrchestrationRunner.LoadAndRun(string, Microsoft.DurableTask.ITaskOrchestrator, IServiceProvider?)"/>,
/// the entry point the Functions host calls, one request per orchestrator step; each step must do what the recording
/// shows, with no non-determinism failure. Cases already running are replayed this way after every deploy, so a change
/// that breaks this test breaks them (docs/orchestrator-versioning.md).
/// </summary>
public sealed partial class OrchestratorReplayTests(ITestOutputHelper output)
{
    /// <summary>One history per waiting point and per outcome; <see cref="HistoryRecording"/> writes them.</summary>
    public static readonly string[] Recorded =
    [
        "awaiting-registration", "awaiting-registration-after-recheck",
        "awaiting-supervisor", "awaiting-supervisor-after-reminder", "awaiting-supervisor-after-escalation",
        "verifying-opt-in-not-visible",
        "already-in-office", "added-from-statewide", "registered-and-added", "registration-not-completed",
        "not-opted-out-needs-review", "opted-in-and-added", "remains-opted-out", "no-supervisor-response",
        "withdrawn-awaiting-supervisor", "withdrawn-awaiting-registration",
        "failed-retries-exhausted", "failed-opt-in-never-visible",

        // Version 2 (the encrypted SSN is not carried into continue-as-new inputs).
        "v2-awaiting-registration-after-recheck", "v2-registration-not-completed",
        "v2-awaiting-supervisor-after-reminder", "v2-awaiting-supervisor-after-escalation", "v2-no-supervisor-response",
        "v2-opted-in-and-added",

        // Version 3 (side emails may fail without failing the wait; deadlines in business hours).
        "v3-awaiting-supervisor", "v3-awaiting-supervisor-after-reminder", "v3-awaiting-supervisor-after-escalation", "v3-no-supervisor-response",
        "v3-awaiting-registration", "v3-awaiting-registration-after-recheck", "v3-registration-not-completed",
        "v3-opted-in-and-added",
        "v3-awaiting-supervisor-client-email-failed", "v3-client-email-failed-remains-opted-out",
        "v3-registration-case-manager-email-failed", "v3-failed-supervisor-request",
        "v3-awaiting-registration-client-email-failed", "v3-registration-client-email-failed-withdrawn",
    ];

    private static readonly IServiceProvider Services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider();

    private static string Directory => Path.Combine(AppContext.BaseDirectory, "Replay", "Histories");

    public static TheoryData<string> Histories() => [.. Recorded];

    [Theory]
    [MemberData(nameof(Histories))]
    public void Every_step_of_the_recorded_history_replays_to_the_recorded_actions(string name)
    {
        var recorded = RecordedCase.Load(Path.Combine(Directory, $"{name}.json"));
        var steps = 0;
        foreach (var (execution, e) in recorded.Executions.Select((x, i) => (x, i + 1)))
        {
            Assert.Equal(execution.Steps().Count, execution.CustomStatus.Count);
            foreach (var step in execution.Steps())
            {
                var where = $"{name}, execution {e} of {recorded.Executions.Count}, step {step.Index + 1} (new events: {string.Join(", ", step.New.Select(n => n.EventTypeCase))})";
                var response = Replay(execution, step);

                var failed = response.Actions.FirstOrDefault(a => a.CompleteOrchestration?.OrchestrationStatus == OrchestrationStatus.Failed);
                Assert.True(failed is null, $"{where}: the orchestrator failed on replay: {failed?.CompleteOrchestration.FailureDetails}");
                var actual = response.Actions.Select(ReplayStep.Describe).ToList();
                Assert.True(
                    step.ExpectedActions.SequenceEqual(actual),
                    $"{where}: the replay did not do what the recording shows.\nRecorded:\n  {string.Join("\n  ", step.ExpectedActions)}\nReplayed:\n  {string.Join("\n  ", actual)}");
                Assert.True(
                    RecordedCase.Canonical(execution.CustomStatus[step.Index]) == RecordedCase.Canonical(response.CustomStatus),
                    $"{where}: the custom status differs.\nRecorded: {execution.CustomStatus[step.Index]}\nReplayed: {response.CustomStatus}");
                steps++;
            }
        }

        output.WriteLine($"{name}: {recorded.Executions.Count} execution(s), {steps} step(s) replayed");
    }

    [Fact]
    public void The_recorded_histories_are_the_listed_ones()
    {
        var files = System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(Recorded.Order(StringComparer.Ordinal), files);
    }

    [Fact]
    public void The_recorded_histories_hold_no_ssn()
    {
        // Letters and digits either side are excluded: ids, timestamps' fractions and encrypted values are not SSNs.
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json"))
        {
            var text = File.ReadAllText(file);
            var match = SsnShaped().Match(text);
            Assert.False(match.Success, $"{Path.GetFileName(file)} holds an SSN-shaped value at {match.Index}: {match.Value}");
            Assert.DoesNotContain("52111000", text, StringComparison.Ordinal); // the seeded test SSNs, run together
        }
    }

    [Fact]
    public void The_replay_detects_a_history_the_orchestrator_did_not_write()
    {
        // A recorded activity renamed in the history: the orchestrator schedules another name at that point.
        var execution = RecordedCase.Load(Path.Combine(Directory, "already-in-office.json")).Executions[0];
        var history = execution.History.Select(h => h.Clone()).ToList();
        var scheduled = history.First(h => h.EventTypeCase == HistoryEvent.EventTypeOneofCase.TaskScheduled);
        scheduled.TaskScheduled.Name = "RenamedActivity";
        var changed = execution with { History = history };

        var last = changed.Steps()[^1];
        var response = Replay(changed, last);
        Assert.Contains(response.Actions, a => a.CompleteOrchestration?.OrchestrationStatus == OrchestrationStatus.Failed);
    }

    private static OrchestratorResponse Replay(RecordedExecution execution, ReplayStep step)
    {
        var request = new OrchestratorRequest { InstanceId = execution.InstanceId, ExecutionId = execution.ExecutionId };
        request.PastEvents.AddRange(step.Past);
        request.NewEvents.AddRange(step.New);
        var encoded = GrpcOrchestrationRunner.LoadAndRun(request.ToByteString().ToBase64(), new OptOutCaseOrchestrator(), Services);
        return OrchestratorResponse.Parser.ParseFrom(ByteString.FromBase64(encoded));
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z])\d{3}-?\d{2}-?\d{4}(?![0-9A-Za-z])")]
    private static partial Regex SsnShaped();
}
