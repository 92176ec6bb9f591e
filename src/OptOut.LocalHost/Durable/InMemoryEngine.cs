using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing.Sidecar;
using OptOut.DevTools.Durable;
using Microsoft.DurableTask.Worker;

namespace OptOut.LocalHost.Durable;

/// <summary>
/// The default local engine: the in-memory orchestration service of Microsoft.DurableTask.InProcessTestHost behind its
/// gRPC sidecar on 127.0.0.1, with the SDK's gRPC worker and client, as <c>AddInMemoryDurableTask</c> wires it, except
/// that the engine runs at full speed (<see cref="FullSpeedOrchestrationService"/>) and the sidecar binds 127.0.0.1 on a
/// free port in a bare host (the package's helper binds "localhost" on a random port in a default host that watches
/// the current directory for appsettings changes, and gives no way to substitute the orchestration service).
/// </summary>
public static class InMemoryEngine
{
    /// <summary>
    /// Work items each of the engine's dispatchers (orchestration steps, activities) may have in flight. The in-memory
    /// service admits only <see cref="Environment.ProcessorCount"/> and, whenever that many are in flight, looks for more
    /// only every 500 ms: a burst of 200 cases on a 2-core machine then advances a few steps a second and the last case
    /// closes minutes after it was posted. Lifted, every ready step is handed to the worker at once and the CPU is the
    /// limit. The worker's own limit (<c>DurableTaskWorkerOptions.Concurrency</c>, 100 per core by default) is sent to
    /// the sidecar with each work-item stream and ignored by it; the worker starts each work item it receives.
    /// </summary>
    public const int MaxConcurrentWorkItems = 100_000;

    public static IServiceCollection AddFullSpeedInMemoryDurableTask(this IServiceCollection services, Action<DurableTaskRegistry> tasks)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(tasks);

        // The address is fixed before the container is built: the worker and client options are bound to it.
        var port = GrpcSidecarHost.FreeLoopbackPort();

        services.AddSingleton(sp => new InMemoryOrchestrationService(sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new FullSpeedOrchestrationService(sp.GetRequiredService<InMemoryOrchestrationService>(), MaxConcurrentWorkItems));
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<FullSpeedOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<FullSpeedOrchestrationService>());
        services.AddHostedService(sp => new GrpcSidecarHost(port, sp.GetRequiredService<FullSpeedOrchestrationService>(), sp.GetRequiredService<ILoggerFactory>()));

        GrpcSidecarHost.AddWorkerAndClient(services, port, tasks);
        return services;
    }
}

/// <summary>
/// The in-memory orchestration service with its dispatcher limits raised (<see cref="InMemoryEngine.MaxConcurrentWorkItems"/>);
/// everything else is passed through unchanged, including the query and purge clients the sidecar looks for.
/// </summary>
public sealed class FullSpeedOrchestrationService(InMemoryOrchestrationService inner, int maxConcurrentWorkItems) : ForwardingOrchestrationService(inner)
{
    public override int MaxConcurrentTaskOrchestrationWorkItems => maxConcurrentWorkItems;

    public override int MaxConcurrentTaskActivityWorkItems => maxConcurrentWorkItems;
}
