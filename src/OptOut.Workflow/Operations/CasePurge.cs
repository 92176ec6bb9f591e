using System.ComponentModel.DataAnnotations;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Operations;

/// <summary>The "Retention" settings section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Closed cases (and their durable history) are purged this many days after the case's instance was created.</summary>
    [Range(1, 3650, ErrorMessage = "Retention:CompletedCaseDays must be between 1 and 3650.")]
    public int CompletedCaseDays { get; set; } = 90;
}

public sealed record PurgeReport(DateTimeOffset Cutoff, int Purged);

/// <summary>
/// Purges closed cases (runtime status Completed, Failed or Terminated) whose durable instance was created before a
/// cutoff: their status, timeline and history are deleted from the task hub. Running cases are never touched, however old.
/// The Functions app runs it on the PurgeClosedCases timer; the local host exposes it as POST /api/admin/purge.
/// </summary>
public sealed class CasePurge(DurableTaskClient client, IOptionsMonitor<RetentionOptions> options, TimeProvider time, ILogger<CasePurge> logger)
{
    /// <summary>The statuses a closed case can have. Never Running, Pending or Suspended.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> ClosedStatuses =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    // The lower bound is explicit: some sidecars reject a purge filter without one. No case predates it.
    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Purges closed cases older than Retention:CompletedCaseDays.</summary>
    public Task<PurgeReport> PurgeAsync(CancellationToken cancellationToken) =>
        PurgeOlderThanAsync(TimeSpan.FromDays(options.CurrentValue.CompletedCaseDays), cancellationToken);

    /// <summary>Purges closed cases created more than <paramref name="age"/> ago (zero: every closed case).</summary>
    public async Task<PurgeReport> PurgeOlderThanAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero);
        var cutoff = time.GetUtcNow() - age;
        var purged = 0;

        // A provider may purge in batches and report IsComplete = false: go on until it reports done (bounded).
        for (var round = 0; round < 1000; round++)
        {
            var result = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(Epoch, cutoff, ClosedStatuses), cancellationToken);
            purged += result.PurgedInstanceCount;
            if (result.IsComplete != false || result.PurgedInstanceCount == 0)
            {
                break;
            }
        }

        Log.CasesPurged(logger, purged, cutoff);
        return new PurgeReport(cutoff, purged);
    }
}
