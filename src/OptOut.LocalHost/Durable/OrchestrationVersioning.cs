using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Orchestration;

namespace OptOut.LocalHost.Durable;

/// <summary>
/// The local host's worker runs cases of <c>Workflow:OrchestrationVersion</c> (by default
/// <see cref="OrchestratorVersions.Current"/>) and older, and leaves a newer case untouched (Reject) for a newer
/// deploy to take: what host.json's <c>defaultVersion</c>, <c>versionMatchStrategy: CurrentOrOlder</c> and
/// <c>versionFailureStrategy: Reject</c> do in the Functions app.
/// </summary>
internal static class OrchestrationVersioning
{
    public static IServiceCollection AddOrchestrationVersioning(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<DurableTaskWorkerOptions>>(sp => new ConfigureNamedOptions<DurableTaskWorkerOptions, IOptions<WorkflowOptions>>(
            name: null, // every worker, whatever its builder's name
            sp.GetRequiredService<IOptions<WorkflowOptions>>(),
            (worker, workflow) => worker.Versioning = new DurableTaskWorkerOptions.VersioningOptions
            {
                Version = workflow.Value.OrchestrationVersion,
                DefaultVersion = workflow.Value.OrchestrationVersion,
                MatchStrategy = DurableTaskWorkerOptions.VersionMatchStrategy.CurrentOrOlder,
                FailureStrategy = DurableTaskWorkerOptions.VersionFailureStrategy.Reject,
            }));
        return services;
    }
}
