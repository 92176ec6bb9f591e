using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.LocalHost.Durable;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The local host's default engine runs at full speed: the in-memory service's own limit (as many work items at once as
/// the machine has cores, then a 500 ms wait) is lifted, so a burst of cases is paced by the CPU, not by the engine.
/// How fast is the benchmark's question (bench/OptOut.Bench, --only burst); this checks the configuration.
/// </summary>
public sealed class InMemoryEngineTests
{
    [Fact]
    public async Task The_default_engine_admits_far_more_work_items_at_once_than_cores_and_than_the_worker_takes()
    {
        var values = TestSettings.Defaults();
        values["LocalHost:Url"] = "http://127.0.0.1:0";
        await using var app = LocalHostApp.Build([.. values.Where(v => v.Value is not null).Select(v => $"--{v.Key}={v.Value}")], b => b.Environment.EnvironmentName = "Testing");

        var service = app.Services.GetRequiredService<IOrchestrationService>();
        Assert.IsType<FullSpeedOrchestrationService>(service);
        Assert.Same(service, app.Services.GetRequiredService<IOrchestrationServiceClient>());
        Assert.Equal(InMemoryEngine.MaxConcurrentWorkItems, service.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(InMemoryEngine.MaxConcurrentWorkItems, service.MaxConcurrentTaskActivityWorkItems);

        // The limit that would otherwise apply: the in-memory service's own (one per core).
        var inner = app.Services.GetRequiredService<Microsoft.DurableTask.Testing.Sidecar.InMemoryOrchestrationService>();
        Assert.Equal(Environment.ProcessorCount, inner.MaxConcurrentTaskOrchestrationWorkItems);

        // The engine is not the narrower limit: it admits at least what the worker asks for.
        var worker = app.Services.GetRequiredService<IOptionsMonitor<DurableTaskWorkerOptions>>().Get(Options.DefaultName);
        Assert.True(service.MaxConcurrentTaskOrchestrationWorkItems >= worker.Concurrency.MaximumConcurrentOrchestrationWorkItems);
        Assert.True(service.MaxConcurrentTaskActivityWorkItems >= worker.Concurrency.MaximumConcurrentActivityWorkItems);

        // The query and purge clients the sidecar looks for (GET /api/cases, the admin purge) are passed through.
        Assert.IsAssignableFrom<DurableTask.Core.Query.IOrchestrationServiceQueryClient>(service);
        Assert.IsAssignableFrom<IOrchestrationServicePurgeClient>(service);
    }

    [Fact]
    public async Task Cases_posted_together_beyond_the_old_limit_all_close_on_the_default_engine()
    {
        await using var host = await LocalHostServer.StartAsync(_ => { });
        var ids = Enumerable.Range(0, (4 * Environment.ProcessorCount) + 1).Select(i => $"burst-{(char)('a' + (i / 26))}{(char)('a' + (i % 26))}").ToArray();
        await Task.WhenAll(ids.Select(id => host.OpenCaseAsync("S-1001", id)));
        foreach (var id in ids)
        {
            var view = await host.WaitForCaseAsync(id, v => v.GetProperty("status").GetString() == "Completed");
            Assert.Equal("Completed", view.GetProperty("status").GetString());
        }
    }
}
