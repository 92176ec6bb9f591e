using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OptOut.Testing;

/// <summary>
/// The in-process durable engine: the same parts <c>DurableTaskTestHost.StartAsync</c> assembles (an orchestration
/// service behind the gRPC sidecar, a worker and a client over gRPC), except that the caller supplies the
/// orchestration service (so tests can record it) and the sidecar binds 127.0.0.1 only. Used by the tests and by the
/// benchmarks, so both run the engine the same way.
/// </summary>
public static class InProcessEngine
{
    /// <summary>
    /// How long stopping waits for work in flight. The engine's state is in memory and discarded with it, so there is
    /// nothing to finish: stopping with thousands of cases in flight (benchmarks) must not wait for each of them.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The default host watches its content root (the current directory, recursively) to reload appsettings files; the
    /// engine's hosts read no such file, and with a watcher each, every file written under the repository (builds, a
    /// developer's edits) woke every engine a test run or benchmark had started.
    /// </summary>
    private static void NoConfigWatch(IConfigurationBuilder configuration) =>
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("hostBuilder:reloadConfigOnChange", "false")]);

    /// <param name="service">The engine's store; it must also implement <see cref="IOrchestrationServiceClient"/>.</param>
    /// <param name="registry">Orchestrators and activities the worker runs.</param>
    /// <param name="services">The worker's own services (what activities and orchestrators are given).</param>
    /// <param name="loggerFactory">The worker's loggers; null logs nothing.</param>
    public static async Task<DurableTaskTestHost> StartAsync(
        IOrchestrationService service,
        Action<DurableTaskRegistry> registry,
        Action<IServiceCollection> services,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var client = service as IOrchestrationServiceClient
            ?? throw new ArgumentException("The orchestration service must also be its client.", nameof(service));
        var address = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        var sidecar = Host.CreateDefaultBuilder()
            .ConfigureHostConfiguration(NoConfigWatch)
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureWebHostDefaults(web =>
            {
                web.UseUrls(address);
                web.ConfigureKestrel(k => k.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(s =>
                {
                    s.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
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
        await sidecar.StartAsync();
        var channel = GrpcChannel.ForAddress(address);

        var worker = Host.CreateDefaultBuilder()
            .ConfigureHostConfiguration(NoConfigWatch)
            .ConfigureLogging(l =>
            {
                l.ClearProviders();
                if (loggerFactory is not null)
                {
                    l.Services.AddSingleton(loggerFactory);
                }
            })
            .ConfigureServices(s =>
            {
                s.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
                services(s);
                s.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc(channel);
                    b.AddTasks(registry);
                });
                s.AddDurableTaskClient(b =>
                {
                    b.UseGrpc(channel);
                    b.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync();
        return new DurableTaskTestHost(sidecar, worker, channel, worker.Services.GetRequiredService<DurableTaskClient>());
    }
}
