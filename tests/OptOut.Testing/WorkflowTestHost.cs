using OptOut.Workflow.Access;
using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptOut.DevTools;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.Testing;

/// <summary>
/// The real workflow on the in-process durable engine (real replay, timers, events), with the MIS simulator, an
/// in-memory mailbox, captured logs and test timings (seconds).
/// </summary>
public sealed class WorkflowTestHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;

    private WorkflowTestHost(DurableTaskTestHost host, CapturedLogs logs, RecordingOrchestrationService durable)
    {
        _host = host;
        Logs = logs;
        Durable = durable;
    }

    public DurableTaskClient Client => _host.Client;

    public IServiceProvider Services => _host.Services;

    public MisSimulator Mis => Services.GetRequiredService<MisSimulator>();

    public InMemoryMailbox Mailbox => Services.GetRequiredService<InMemoryMailbox>();

    public CapturedLogs Logs { get; }

    /// <summary>Everything the durable engine stored: every execution's history, messages and instance states.</summary>
    public RecordingOrchestrationService Durable { get; }

    /// <summary>The use cases, bound to this engine's client, as each host binds them.</summary>
    public StartCaseHandler Start => Services.CreateWithClient<StartCaseHandler>(Client);

    public GetCaseHandler Get => Services.CreateWithClient<GetCaseHandler>(Client);

    public ListCasesHandler List => Services.CreateWithClient<ListCasesHandler>(Client);

    public WithdrawCaseHandler Withdraw => Services.CreateWithClient<WithdrawCaseHandler>(Client);

    public DecideCaseHandler Decide => Services.CreateWithClient<DecideCaseHandler>(Client);

    /// <summary>The email port in front of <see cref="Mailbox"/>: hold or fail chosen emails (script them before the case starts).</summary>
    public ScriptedNotifier Emails => Services.GetRequiredService<ScriptedNotifier>();

    public static async Task<WorkflowTestHost> StartAsync(Action<Dictionary<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
    {
        var values = TestSettings.Defaults();
        settings?.Invoke(values);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new CapturedLogs();
        // Debug for the durable worker: its "N replay and M new history events" lines measure history size per execution.
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.DurableTask", LogLevel.Debug).AddProvider(logs));
        // The in-memory engine admits only ProcessorCount work items per dispatcher and then sleeps 500 ms, so a case
        // that sends its emails in parallel (or a test with a few cases in flight) would crawl; production engines have
        // no such pause. The limit is raised as the benchmark raises it (docs/local-durable.md).
        var recorder = new RecordingOrchestrationService(new InMemoryOrchestrationService(loggerFactory), maxConcurrentWorkItems: 64);

        var host = await InProcessEngine.StartAsync(
            recorder,
            registry => registry.AddOptOutWorkflow(),
            s =>
            {
                s.AddSingleton<IConfiguration>(configuration);
                s.AddSingleton(loggerFactory);
                s.AddLogging(b => b.AddProvider(logs));
                s.AddOptOutWorkflow(configuration);
                s.AddSingleton(MisSimulator.Seeded());
                s.AddSingleton<IMisGateway>(sp => sp.GetRequiredService<MisSimulator>());
                s.AddSingleton<InMemoryMailbox>();
                s.AddSingleton<IDecisionRecord, InMemoryDecisionRecord>();
                s.AddSingleton<ICaseIdRegistry, InMemoryCaseIdRegistry>();
                s.AddSingleton<ScriptedNotifier>();
                s.AddSingleton<INotifier>(sp => sp.GetRequiredService<ScriptedNotifier>());
                services?.Invoke(s);
            },
            loggerFactory);
        return new WorkflowTestHost(host, logs, recorder);
    }

    public async Task<string> StartAsync(CaseIntakeRequest request)
    {
        var result = await Start.HandleAsync(Caller.System, request, "test", CancellationToken.None);
        if (result.Disposition != StartDisposition.Created)
        {
            throw new InvalidOperationException($"Expected Created, got {result.Disposition}: {result.Message} {string.Join("; ", result.Errors?.Select(e => $"{e.Key}: {string.Join(",", e.Value)}") ?? [])}");
        }

        return result.CaseId!;
    }

    /// <summary>Polls the case until <paramref name="until"/> holds (real timers run, so tests wait seconds).</summary>
    public async Task<CaseView> WaitForAsync(string caseId, Func<CaseView, bool> until, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            () => Get.HandleAsync(Caller.System, caseId, CancellationToken.None),
            v => v is not null && until(v),
            timeout ?? TimeSpan.FromSeconds(30),
            last => $"Case {caseId} did not reach the expected state; last seen: stage {last?.Stage}, status {last?.Status}, outcome {last?.Outcome}; timeline: {string.Join(" | ", last?.Timeline.Select(t => t.Step) ?? [])}",
            TimeSpan.FromMilliseconds(50)))!;

    /// <summary>
    /// Until the engine has stored the step in which the case waits (AwaitingSupervisor or AwaitingRegistration) and
    /// sets its timer: the waiting stage is published one step earlier, with the emails, and events raised from then
    /// on are buffered until a waiter takes them; this waits for the timer so the waiters are live
    /// (docs/intake.md, "Events and continue-as-new").
    /// </summary>
    public async Task WaitUntilWaitingAsync(string caseId, TimeSpan? timeout = null)
    {
        await WaitForAsync(caseId, v => v.Stage is nameof(CaseStage.AwaitingSupervisor) or nameof(CaseStage.AwaitingRegistration), timeout);
        // The same step stored the timer: check it, so a waiting stage published without one fails here.
        await Eventually.UntilAsync(
            () => Task.FromResult(Durable.For(caseId).Select(r => r.Kind).ToList()),
            kinds => kinds.FindLastIndex(k => k == "history:TimerCreated") > kinds.FindLastIndex(k => k == "history:ExecutionStarted"),
            timeout ?? TimeSpan.FromSeconds(30),
            _ => $"Case {caseId} shows a waiting stage but its current execution has set no timer.",
            TimeSpan.FromMilliseconds(50));
    }

    /// <summary>The fire-at of every timer the case's executions have set, in the order the engine stored them.</summary>
    public IReadOnlyList<DateTime> TimersSet(string caseId) =>
        [.. Durable.For(caseId)
            .Where(r => r.Kind == "history:TimerCreated")
            .Select(r => System.Text.Json.JsonDocument.Parse(r.Json).RootElement.GetProperty("FireAt").GetDateTime().ToUniversalTime())];

    public Task<CaseView> WaitForStageAsync(string caseId, CaseStage stage, TimeSpan? timeout = null) =>
        WaitForAsync(caseId, v => v.Stage == stage.ToString(), timeout);

    /// <summary>
    /// Until the supervisor's request email has gone and the step is recorded. The stage is AwaitingSupervisor from the
    /// step that schedules the emails, so a test that reads the emailed link waits for this, not for the stage alone.
    /// </summary>
    public Task<CaseView> WaitForSupervisorEmailedAsync(string caseId, TimeSpan? timeout = null) =>
        WaitForAsync(caseId, v => v.Stage == nameof(CaseStage.AwaitingSupervisor) && v.Timeline.Any(t => t.Step == "Supervisor emailed"), timeout);

    public Task<CaseView> WaitForClosedAsync(string caseId, TimeSpan? timeout = null) =>
        WaitForAsync(caseId, v => v.IsClosed && v.Status is "Completed" or "Failed" or "Terminated", timeout);

    /// <summary>
    /// The history sizes (replayed + new events) the worker was handed for this case, one per orchestration run, read
    /// from the durable worker's own log lines. Their maximum is the largest history any execution reached.
    /// </summary>
    public IReadOnlyList<int> HistorySizes(string caseId)
    {
        var pattern = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(caseId)}: Received request to run orchestrator '[^']+' with (\\d+) replay and (\\d+) new history events");
        return [.. Logs.Messages
            .Select(m => pattern.Match(m))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))];
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A free TCP port on 127.0.0.1 (the OS picks it; the tiny window before it is reused is acceptable in tests).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
