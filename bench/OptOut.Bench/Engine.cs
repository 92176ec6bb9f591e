using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using OptOut.Testing;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;

namespace OptOut.Bench;

/// <summary>The in-process durable engine in a plain generic host, quiet logging, for one benchmark.</summary>
internal static class Engine
{
    public static async Task<IHost> StartAsync(Action<DurableTaskRegistry> registry, Action<IServiceCollection, IConfiguration>? services = null, Action<Dictionary<string, string?>>? settings = null)
    {
        var values = TestSettings.Defaults();
        settings?.Invoke(values);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services, builder.Configuration);
        builder.Services.AddInMemoryDurableTask(registry);
        var host = builder.Build();
        await host.StartAsync();
        return host;
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
        Task.FromResult(new AddSeekerResult(true, false));

    public Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken) =>
        Task.FromResult(new OptOutLookupResult(true, "Bench", "Client"));
}

/// <summary>
/// Email for the benchmark: counts messages by kind and, when a supervisor request goes out, queues the case so the
/// supervisor's decision is raised as soon as the case waits.
/// </summary>
internal sealed class BenchNotifier : INotifier
{
    private long _outcomes;
    private long _waiting;

    public Channel<string> SupervisorRequests { get; } = Channel.CreateUnbounded<string>();

    public long Outcomes => Interlocked.Read(ref _outcomes);

    /// <summary>Cases whose last email before waiting (the case-manager update) went out.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    public Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var parts = message.Key.Split(':');
        switch (parts.Length > 1 ? parts[^2] : "")
        {
            case nameof(NotificationKind.SupervisorRequest):
                SupervisorRequests.Writer.TryWrite(string.Join(':', parts[..^2]) + "|" + message.TextBody.Split("Client: ")[1].Split('\n')[0].Split(' ')[^1]);
                break;
            case nameof(NotificationKind.CaseManagerUpdate):
                Interlocked.Increment(ref _waiting);
                break;
            case nameof(NotificationKind.CaseManagerOutcome):
                Interlocked.Increment(ref _outcomes);
                break;
        }

        return Task.FromResult(true);
    }

    /// <summary>Raises each queued case's opted-in decision (after the MIS shows the opt-in, as a supervisor would).</summary>
    public async Task DecideAsync(DurableTaskClient client, BenchMis mis, CancellationToken cancellationToken)
    {
        await foreach (var item in SupervisorRequests.Reader.ReadAllAsync(cancellationToken))
        {
            var caseId = item.Split('|')[0];
            mis.OptIn(item.Split('|')[1]);
            await client.RaiseEventAsync(caseId, WorkflowEvents.SupervisorDecision, new SupervisorDecision(DecisionChoice.OptedIn, null, "Bench Supervisor", caseId, DateTime.UtcNow), cancellationToken);
        }
    }
}
