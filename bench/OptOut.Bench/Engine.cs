using OptOut.Workflow.Access;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Testing.Sidecar;
using OptOut.DevTools;
using OptOut.Testing;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Bench;

/// <summary>
/// The in-process durable engine as the tests run it (<see cref="InProcessEngine"/>), with configuration and quiet
/// logging, for one benchmark scenario.
/// </summary>
internal static class Engine
{
    /// <summary>
    /// Work items each engine dispatcher may have in flight. The in-memory engine's own limit is the processor count
    /// (2 here), and whenever the limit is reached it waits 500 ms before it looks for more work: about 4 steps a
    /// second on this machine, and with any fixed limit below the number of ready cases the engine idles in those
    /// waits. So the limit is effectively lifted (the worker's own concurrency limit still applies), identically for
    /// our workflow and the bare floor, and both run as fast as the CPU allows.
    /// </summary>
    public const int MaxConcurrentWorkItems = 100_000;

    /// <summary>
    /// Reminders, escalation and deadline days apart, as in production. The test defaults (a reminder 2 s after a case
    /// starts waiting, the deadline after 8 s) would fire reminders and close cases while thousands of them queue for
    /// the CPU, which is not the path being measured.
    /// </summary>
    public static void ProductionTimings(Dictionary<string, string?> settings)
    {
        settings["Workflow:ReminderInterval"] = "1.00:00:00";
        settings["Workflow:EscalateAfter"] = "5.00:00:00";
        settings["Workflow:SupervisorDeadline"] = "10.00:00:00";
    }

    /// <summary>Our workflow (orchestrator and activities) on the engine, with the bench MIS and email.</summary>
    public static Task<DurableTaskTestHost> StartWorkflowAsync(BenchMis mis, BenchNotifier mail, Action<Dictionary<string, string?>> settings, Action<OrchestrationState> committed, Func<ILoggerFactory, IOrchestrationService>? store = null) =>
        StartAsync(
            r => r.AddOptOutWorkflow(),
            (s, c) =>
            {
                s.AddOptOutWorkflow(c);
                s.AddSingleton<IDecisionRecord, InMemoryDecisionRecord>();
                s.AddSingleton<ICaseIdRegistry, InMemoryCaseIdRegistry>();
                s.AddSingleton<IMisGateway>(mis);
                s.AddSingleton<INotifier>(mail);
            },
            settings,
            committed,
            store);

    /// <param name="store">The engine's store; default the in-memory engine (its limits lifted, <see cref="MaxConcurrentWorkItems"/>).</param>
    public static Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> registry, Action<IServiceCollection, IConfiguration>? services = null, Action<Dictionary<string, string?>>? settings = null, Action<OrchestrationState>? committed = null, Func<ILoggerFactory, IOrchestrationService>? store = null)
    {
        var values = TestSettings.Defaults();
        settings?.Invoke(values);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        // The durable worker logs, as an error, every work item it is still handling when a scenario disposes its engine
        // (a cancelled gRPC call); the scenarios are judged by their results (every case completed, every response 202).
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.DurableTask", LogLevel.Critical).AddSimpleConsole());
        var engine = store is null
            ? new RecordingOrchestrationService(new InMemoryOrchestrationService(loggerFactory), record: false, MaxConcurrentWorkItems)
            : new RecordingOrchestrationService(store(loggerFactory), record: false); // the provider's own limits
        if (committed is not null)
        {
            engine.StateCommitted += committed;
        }

        return InProcessEngine.StartAsync(
            engine,
            registry,
            s =>
            {
                s.AddSingleton<IConfiguration>(configuration);
                services?.Invoke(s, configuration);
            },
            loggerFactory);
    }
}

/// <summary>
/// An MIS where every benchmark client is opted out until the bench records the supervisor's opt-in: office and
/// statewide searches miss, the Opt-Out Lookup reports opted out, and after the opt-in the statewide search finds them.
/// </summary>
internal sealed class BenchMis : IMisGateway
{
    private readonly ConcurrentDictionary<string, byte> _optedIn = new(StringComparer.Ordinal);

    public void OptIn(string lastName) => _optedIn.TryAdd(lastName, 0);

    public Task<SeekerMatch> SearchAsync(string firstName, string lastName, string phone, string? office, CancellationToken cancellationToken) =>
        Task.FromResult(office is null && _optedIn.ContainsKey(lastName) ? new SeekerMatch(true, "S-" + lastName) : new SeekerMatch(false, null));

    public Task<AddSeekerResult> AddSeekerToOfficeAsync(string seekerId, string office, CancellationToken cancellationToken) =>
        Task.FromResult(new AddSeekerResult(AlreadyInOffice: false));

    public Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken) =>
        Task.FromResult(new OptOutLookupResult(true, "Bench", "Client"));
}

/// <summary>
/// Email for the benchmark: counts messages by kind and, when a supervisor request goes out, queues the case so the
/// supervisor's decision is raised as soon as the case waits.
/// </summary>
internal sealed partial class BenchNotifier : INotifier
{
    private long _outcomes;
    private long _reminders;

    [System.Text.RegularExpressions.GeneratedRegex(@"/api/decisions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")]
    private static partial System.Text.RegularExpressions.Regex DecisionLink();
    private long _waiting;
    private long _decided;
    private long _early;

    private readonly ConcurrentDictionary<string, (string Token, string LastName)> _requests = new(StringComparer.Ordinal);
    private readonly Channel<string> _nowWaiting = Channel.CreateUnbounded<string>();

    public long Outcomes => Interlocked.Read(ref _outcomes);

    /// <summary>Reminder and escalation emails: none may go out on the measured path.</summary>
    public long Reminders => Interlocked.Read(ref _reminders);

    /// <summary>Cases whose last email before waiting (the case-manager update) went out.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    public Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var parts = message.Key.Split(':');
        switch (parts.Length > 1 ? parts[^2] : "")
        {
            case nameof(NotificationKind.SupervisorRequest):
                var token = DecisionLink().Match(message.TextBody).Groups[1].Value;
                var lastName = message.TextBody.Split("Client: ")[1].Split('\n')[0].Trim().Split(' ')[^1];
                _requests.TryAdd(string.Join(':', parts[..^2]), (token, lastName));
                break;
            case nameof(NotificationKind.CaseManagerUpdate):
                Interlocked.Increment(ref _waiting);
                break;
            case nameof(NotificationKind.CaseManagerOutcome):
                Interlocked.Increment(ref _outcomes);
                break;
            case nameof(NotificationKind.SupervisorReminder) or nameof(NotificationKind.SupervisorEscalation):
                Interlocked.Increment(ref _reminders);
                break;
        }

        return Task.FromResult(true);
    }

    /// <summary>Decisions accepted, and decision attempts refused because the case was not waiting yet.</summary>
    public long Decided => Interlocked.Read(ref _decided);

    public long EarlyAttempts => Interlocked.Read(ref _early);

    /// <summary>
    /// Called by the engine after every stored step: when a case's published stage is AwaitingSupervisor and its
    /// request email has gone, the supervisor can decide now. The stage is published in the step that schedules the
    /// emails, so the first such step often comes before the email is sent; the step after the emails (which sets the
    /// reminder timer) shows the stage again and finds the email.
    /// </summary>
    public void OnCommitted(OrchestrationState state)
    {
        if (SupervisorWaits.IsWaiting(state))
        {
            _nowWaiting.Writer.TryWrite(state.OrchestrationInstance.InstanceId);
        }
    }

    /// <summary>
    /// Plays the supervisor: as soon as a case waits, records the opt-in in the MIS and posts the decision through the
    /// same <see cref="DecideCaseHandler.DecideAsync"/> the decision page uses (the signed, single-use token from the
    /// supervisor's email). A refusal because the case is not waiting is retried after a short, growing pause.
    /// </summary>
    public async Task DecideAsync(DecideCaseHandler cases, BenchMis mis, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        await foreach (var caseId in _nowWaiting.Reader.ReadAllAsync(cancellationToken))
        {
            if (_requests.TryRemove(caseId, out var request))
            {
                mis.OptIn(request.LastName);
                pending.Add(DecideOneAsync(cases, request.Token, cancellationToken));
            }
        }

        await Task.WhenAll(pending);
    }

    private async Task DecideOneAsync(DecideCaseHandler cases, string token, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var result = await cases.DecideAsync(token, DecisionChoice.OptedIn, null, null, cancellationToken);
            if (result.Disposition == CommandDisposition.Accepted)
            {
                Interlocked.Increment(ref _decided);
                return;
            }

            if (result.Disposition != CommandDisposition.Conflict || result.Case?.Decision is not null)
            {
                throw new InvalidOperationException($"Decision refused: {result.Disposition} {result.Message}");
            }

            Interlocked.Increment(ref _early);
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(160, pause.TotalMilliseconds * 2));
        }
    }
}

/// <summary>
/// Counts orchestrations the engine has stored as completed, each once (a late message can store a completed instance
/// again), and every orchestrator step the engine stored.
/// </summary>
internal sealed class Completions
{
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
    private long _steps;

    public long Count => _done.Count;

    public long Steps => Interlocked.Read(ref _steps);

    public void OnCommitted(OrchestrationState state)
    {
        Interlocked.Increment(ref _steps);
        if (state.OrchestrationStatus == OrchestrationStatus.Completed)
        {
            _done.TryAdd(state.OrchestrationInstance.InstanceId, 0);
        }
    }
}

/// <summary>
/// One throughput round: cases/s and, per case, process CPU, bytes allocated and orchestrator steps stored; for the
/// whole round, garbage collections (gen0/gen1/gen2), GC pause time, first-chance exceptions and JIT compilations.
/// </summary>
internal sealed record Round(double Rate, double CpuMs, double AllocKb, double Steps, int InputChars, string Runtime = "")
{
    public override string ToString() => $"{Rate:F1} cases/s ({CpuMs:F1} ms CPU, {AllocKb:N0} KB allocated, {Steps:F1} steps per case; {Runtime})";
}

/// <summary>Process CPU, allocations, collections, exceptions and wall time from <see cref="Start"/> to <see cref="Stop"/>.</summary>
internal readonly record struct Measure(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Exceptions, long Jitted, TimeSpan JitTime, Stopwatch Clock)
{
    private static long _exceptions;

    static Measure() => AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref _exceptions);

    /// <summary>
    /// Starts measuring from a settled heap: the previous side's host (its 2,000 cases' histories) is garbage by now, and
    /// without a full collection here the next side measured would pay for collecting it.
    /// </summary>
    public static Measure Start()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return Begin();
    }

    private static Measure Begin() => new(
        Process.GetCurrentProcess().TotalProcessorTime,
        GC.GetTotalAllocatedBytes(),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        Interlocked.Read(ref _exceptions),
        System.Runtime.JitInfo.GetCompiledMethodCount(),
        System.Runtime.JitInfo.GetCompilationTime(),
        Stopwatch.StartNew());

    public Round Stop(long cases, long steps, int inputChars)
    {
        var n = Math.Max(1, cases);
        var runtime = $"GCs {GC.CollectionCount(0) - Gen0}/{GC.CollectionCount(1) - Gen1}/{GC.CollectionCount(2) - Gen2}, "
            + $"pause {(GC.GetTotalPauseDuration() - Pause).TotalMilliseconds / n:F2} ms, "
            + $"{(Interlocked.Read(ref _exceptions) - Exceptions) / (double)n:F1} exceptions per case, "
            + $"JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - Jitted:N0} methods in {(System.Runtime.JitInfo.GetCompilationTime() - JitTime).TotalMilliseconds:F0} ms";
        return new Round(
            cases / Clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - Cpu).TotalMilliseconds / n,
            (GC.GetTotalAllocatedBytes() - Allocated) / 1024.0 / n,
            steps / (double)n,
            inputChars,
            runtime);
    }
}

/// <summary>Cases the engine has stored as waiting on a supervisor (published stage AwaitingSupervisor, no decision).</summary>
internal sealed class SupervisorWaits
{
    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);

    public int Count => _waiting.Count;

    /// <summary>From the step that publishes AwaitingSupervisor (with the emails) a decision is accepted.</summary>
    public static bool IsWaiting(OrchestrationState state) =>
        state.OrchestrationStatus == OrchestrationStatus.Running
        && state.Status is { } status
        && status.Contains("\"stage\":\"AwaitingSupervisor\"", StringComparison.OrdinalIgnoreCase)
        && !status.Contains("\"decision\":\"", StringComparison.OrdinalIgnoreCase);

    public void OnCommitted(OrchestrationState state)
    {
        if (IsWaiting(state))
        {
            _waiting.TryAdd(state.OrchestrationInstance.InstanceId, 0);
        }
    }
}
