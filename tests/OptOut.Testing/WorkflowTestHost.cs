using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Lookup.Simulator;
using OptOut.Workflow.Notifications;

namespace OptOut.Testing;

/// <summary>
/// The real workflow on the in-process durable engine (real replay, timers, events), with the MIS simulator, an
/// in-memory mailbox, captured logs and test timings (seconds).
/// </summary>
public sealed class WorkflowTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkflowTestHost(IHost host, CapturedLogs logs, RecordingDataConverter payloads)
    {
        _host = host;
        Logs = logs;
        Payloads = payloads;
    }

    /// <summary>Every payload serialized into orchestration history (inputs, outputs, activity data, events, custom status).</summary>
    public RecordingDataConverter Payloads { get; }

    public DurableTaskClient Client => Services.GetRequiredService<DurableTaskClient>();

    public IServiceProvider Services => _host.Services;

    public MisSimulator Mis => Services.GetRequiredService<MisSimulator>();

    public InMemoryMailbox Mailbox => Services.GetRequiredService<InMemoryMailbox>();

    public CapturedLogs Logs { get; }

    public CaseService Cases => Services.CreateCaseService(Client);

    public static async Task<WorkflowTestHost> StartAsync(Action<Dictionary<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
    {
        var values = TestSettings.Defaults();
        settings?.Invoke(values);
        var logs = new CapturedLogs();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(values);
        // Debug for the durable worker: its "N replay and M new history events" lines measure history size per execution.
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.DurableTask", LogLevel.Debug).AddProvider(logs);
        var payloads = new RecordingDataConverter();
        builder.Services.ConfigureAll<DurableTaskWorkerOptions>(o => o.DataConverter = payloads);
        builder.Services.ConfigureAll<DurableTaskClientOptions>(o => o.DataConverter = payloads);
        builder.Services.AddOptOutWorkflow(builder.Configuration);
        builder.Services.AddSingleton(MisSimulator.Seeded());
        builder.Services.AddSingleton<IMisGateway>(sp => sp.GetRequiredService<MisSimulator>());
        builder.Services.AddSingleton<InMemoryMailbox>();
        builder.Services.AddSingleton<INotifier>(sp => sp.GetRequiredService<InMemoryMailbox>());
        services?.Invoke(builder.Services);
        builder.Services.AddInMemoryDurableTask(registry => registry.AddOptOutWorkflow());
        var host = builder.Build();
        await host.StartAsync();
        return new WorkflowTestHost(host, logs, payloads);
    }

    public async Task<string> StartAsync(CaseIntakeRequest request)
    {
        var result = await Cases.StartAsync(request, "test", CancellationToken.None);
        if (result.Disposition != StartDisposition.Created)
        {
            throw new InvalidOperationException($"Expected Created, got {result.Disposition}: {result.Message} {string.Join("; ", result.Errors?.Select(e => $"{e.Key}: {string.Join(",", e.Value)}") ?? [])}");
        }

        return result.CaseId!;
    }

    /// <summary>Polls the case until <paramref name="until"/> holds (real timers run, so tests wait seconds).</summary>
    public async Task<CaseView> WaitForAsync(string caseId, Func<CaseView, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        CaseView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Cases.GetAsync(caseId, CancellationToken.None);
            if (last is not null && until(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Case {caseId} did not reach the expected state; last seen: stage {last?.Stage}, status {last?.Status}, outcome {last?.Outcome}; timeline: {string.Join(" | ", last?.Timeline.Select(t => t.Step) ?? [])}");
    }

    public Task<CaseView> WaitForStageAsync(string caseId, CaseStage stage, TimeSpan? timeout = null) =>
        WaitForAsync(caseId, v => v.Stage == stage.ToString(), timeout);

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

    /// <summary>The engine's stored state of a case: input, output and custom status (history payloads: <see cref="Payloads"/>).</summary>
    public async Task<string> EverythingStoredAsync(string caseId)
    {
        var engine = Services.GetInMemoryOrchestrationService();
        var text = new System.Text.StringBuilder();
        foreach (var state in await engine.GetOrchestrationStateAsync(caseId, allExecutions: true))
        {
            text.AppendLine(state.Input).AppendLine(state.Output).AppendLine(state.Status);
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
