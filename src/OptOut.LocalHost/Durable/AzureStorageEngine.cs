using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using OptOut.DevTools.Email;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Storage;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.LocalHost.Durable;

/// <summary>The "LocalHost:AzureStorage" settings: where the durable local engine keeps its state (LocalHost:Store=AzureStorage).</summary>
public sealed class AzureStorageStoreOptions
{
    public const string Section = "LocalHost:AzureStorage";

    /// <summary>Azure Storage connection string. Default: Azurite on its standard ports.</summary>
    [Required(ErrorMessage = "LocalHost:AzureStorage:ConnectionString is required when LocalHost:Store is AzureStorage.")]
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Task hub name (letters and digits, 3-45, starting with a letter). The dev mailbox and decision record tables are named after it.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$", ErrorMessage = "LocalHost:AzureStorage:TaskHub must be 3-45 letters or digits, starting with a letter.")]
    public string TaskHub { get; set; } = "OptOutLocal";

    /// <summary>
    /// Partition owner name. Stable across restarts, so a restarted host takes its partition back at once instead of
    /// waiting for the dead process's lease to expire. Run one local host per task hub.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>Control-queue partitions. One is plenty for a developer machine and keeps Azurite polling light.</summary>
    [Range(1, 16)]
    public int PartitionCount { get; set; } = 1;

    /// <summary>Longest pause between queue polls when idle (the provider's default, 30 s, makes a decision wait that long).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a message a host has taken stays hidden from other hosts (the provider's default is 5 minutes). The local
    /// engine's gRPC sidecar cannot hand a message back early (its abandon is a no-op), so a case whose work item a host
    /// rejected (an older orchestration version, docs/orchestrator-versioning.md) or that a killed host held waits this
    /// long before another host takes it.
    /// </summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Likewise for activity work items (the provider's default is 5 minutes): an activity a killed host was running is
    /// run again by another host after this long.
    /// </summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Orchestration steps and activities the provider hands out at once; the defaults are Durable Functions' own
    /// (maxConcurrentOrchestratorFunctions and maxConcurrentActivityFunctions: 10 per core), which host.json keeps. The
    /// provider's own default for activities is 10 in all, which would make the local host slower than the Functions app.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentOrchestrations { get; set; } = 10 * Environment.ProcessorCount;

    /// <inheritdoc cref="MaxConcurrentOrchestrations"/>
    [Range(1, 10_000)]
    public int MaxConcurrentActivities { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Messages taken from a control queue in one read (the provider's default, 32; host.json controlQueueBatchSize).</summary>
    [Range(1, 32)]
    public int ControlQueueBatchSize { get; set; } = 32;

    /// <summary>Loopback port of the internal gRPC sidecar the worker and client talk to. 0: a free port.</summary>
    [Range(0, 65535)]
    public int SidecarPort { get; set; }

    public string MailboxTable => TaskHub + "Mailbox";

    public string DecisionTable => TaskHub + "Decisions";

    public string CaseIdTable => TaskHub + "CaseIds";

    public string EmailOutboxTable => TaskHub + "EmailOutbox";
}

/// <summary>
/// The durable local engine: the Azure Storage provider Durable Functions uses (same queues, tables and blobs), served
/// over the gRPC sidecar of Microsoft.DurableTask.InProcessTestHost on 127.0.0.1, with the SDK's gRPC worker and client
/// connected to it, exactly as AddInMemoryDurableTask wires the in-memory engine. Cases, the dev mailbox, the
/// decision record, the case-id registry and the email outbox survive a restart (even kill -9).
/// </summary>
public static class AzureStorageEngine
{
    public static IServiceCollection AddAzureStorageDurableTask(this IServiceCollection services, IConfiguration configuration, Action<DurableTaskRegistry> tasks)
    {
        services.AddOptions<AzureStorageStoreOptions>()
            .Bind(configuration.GetSection(AzureStorageStoreOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The address is fixed before the container is built: the worker and client options are bound to it.
        var configuredPort = configuration.GetValue<int?>($"{AzureStorageStoreOptions.Section}:SidecarPort") ?? 0;
        var port = configuredPort > 0 ? configuredPort : GrpcSidecarHost.FreeLoopbackPort();

        services.AddSingleton(sp => CreateService(sp.GetRequiredService<IOptions<AzureStorageStoreOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<LocalTables>();

        // Hosted services start in order: tables and mailbox first, then the sidecar, then the worker (registered below).
        services.AddHostedService<LocalTablesStartup>();
        services.AddHostedService(sp => new AzureStorageSidecarHost(
            port,
            sp.GetRequiredService<AzureStorageOrchestrationService>(),
            sp.GetRequiredService<IOptions<AzureStorageStoreOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>()));

        GrpcSidecarHost.AddWorkerAndClient(services, port, tasks);

        // The dev mailbox (behind the SendGrid sink), the decision record (one row per case) and the case-id registry live in
        // the same storage account, so they survive a restart and are shared by every local host on the task hub.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<TableMailbox>(sp, sp.GetRequiredService<LocalTables>().Mailbox));
        services.AddSingleton<IDecisionRecord>(sp => new TableDecisionRecord(sp.GetRequiredService<LocalTables>().Decisions));
        services.AddSingleton<ICaseIdRegistry>(sp => new TableCaseIdRegistry(sp.GetRequiredService<LocalTables>().CaseIds, sp.GetRequiredService<TimeProvider>()));
        // The email outbox too: a restarted (or second) host does not email a message key again.
        services.AddTableEmailOutbox(sp => sp.GetRequiredService<LocalTables>().EmailOutbox);
        return services;
    }

    private static AzureStorageOrchestrationService CreateService(AzureStorageStoreOptions o, ILoggerFactory loggerFactory) =>
        new(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = o.TaskHub,
            StorageAccountClientProvider = new StorageAccountClientProvider(o.ConnectionString),
            LoggerFactory = loggerFactory,
            WorkerId = string.IsNullOrWhiteSpace(o.WorkerId) ? $"{Environment.MachineName}-optout-localhost" : o.WorkerId,
            PartitionCount = o.PartitionCount,
            UseTablePartitionManagement = true,
            UseAppLease = false,
            MaxQueuePollingInterval = o.MaxPollingInterval,
            ControlQueueVisibilityTimeout = o.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = o.WorkItemQueueVisibilityTimeout,
            MaxConcurrentTaskOrchestrationWorkItems = o.MaxConcurrentOrchestrations,
            MaxConcurrentTaskActivityWorkItems = o.MaxConcurrentActivities,
            ControlQueueBatchSize = o.ControlQueueBatchSize,
        });
}

/// <summary>
/// Creates the task hub (queues, tables, lease blobs) if needed, then runs the gRPC sidecar (<see cref="GrpcSidecarHost"/>).
/// The sidecar starts the provider's dispatchers once the worker connects, and stops them (and releases the partition)
/// on a graceful shutdown.
/// </summary>
internal sealed class AzureStorageSidecarHost(
    int port,
    AzureStorageOrchestrationService service,
    AzureStorageStoreOptions options,
    ILoggerFactory loggerFactory) : GrpcSidecarHost(port, service, loggerFactory)
{
    private readonly ILogger _log = loggerFactory.CreateLogger<AzureStorageSidecarHost>();

    protected override async Task BeforeStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await service.CreateIfNotExistsAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"LocalHost:Store is AzureStorage but the task hub '{options.TaskHub}' could not be created in the storage account ({e.Message}). " +
                "Start Azurite first (see docs/local-durable.md) or fix LocalHost:AzureStorage:ConnectionString.",
                e);
        }
    }

    protected override void Started() => Log.DurableEngineStarted(_log, options.TaskHub, Port);
}

/// <summary>
/// Runs the gRPC sidecar of Microsoft.DurableTask.InProcessTestHost (<see cref="TaskHubGrpcServer"/>) over an
/// orchestration service, in its own small web host on 127.0.0.1 (HTTP/2). A bare host (no appsettings, no environment
/// variables, no file watching): nothing of the app's configuration leaks into it.
/// </summary>
internal class GrpcSidecarHost(int port, IOrchestrationService service, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private IHost? _sidecar;

    protected int Port => port;

    /// <summary>A free port on 127.0.0.1 (chosen before the worker and client are bound to it).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The SDK's gRPC worker (running <paramref name="tasks"/>) and client, both talking to the sidecar on <paramref name="port"/>.</summary>
    public static void AddWorkerAndClient(IServiceCollection services, int port, Action<DurableTaskRegistry> tasks)
    {
        var address = $"http://127.0.0.1:{port}";
        services.AddDurableTaskWorker(b =>
        {
            b.UseGrpc(address);
            b.AddTasks(tasks);
        });
        services.AddDurableTaskClient(b =>
        {
            b.UseGrpc(address);
            b.RegisterDirectly();
        });
    }

    protected virtual Task BeforeStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual void Started()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeforeStartAsync(cancellationToken);
        var client = service as IOrchestrationServiceClient
            ?? throw new InvalidOperationException("The orchestration service must also be its client.");
        _sidecar = new HostBuilder()
            .ConfigureLogging(l =>
            {
                // The sidecar logs through the app's logging (its filters apply), minus its own start/stop chatter.
                l.AddProvider(new ForwardingLoggerProvider(loggerFactory));
                l.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
            })
            .ConfigureServices(s => s.AddSingleton<IHostLifetime, AppOwnedLifetime>())
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(s =>
                {
                    s.AddRouting();
                    s.AddGrpc();
                    s.AddSingleton(service);
                    s.AddSingleton(client);
                    s.AddSingleton<TaskHubGrpcServer>();
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(e => e.MapGrpcService<TaskHubGrpcServer>());
                });
            })
            .Build();
        await _sidecar.StartAsync(cancellationToken);
        Started();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            _sidecar.Dispose();
            _sidecar = null;
        }

        await ValueTask.CompletedTask;
    }
}

/// <summary>The sidecar does not watch Ctrl+C itself: the app stops it, after the worker, so the partition is released cleanly.</summary>
internal sealed class AppOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
