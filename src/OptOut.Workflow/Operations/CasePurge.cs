using System.ComponentModel.DataAnnotations;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Escalation;

namespace OptOut.Workflow.Operations;

/// <summary>The "Retention" settings section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Closed cases (and their durable history) are purged this many days after the case's instance was created.</summary>
    [Range(1, 3650, ErrorMessage = "Retention:CompletedCaseDays must be between 1 and 3650.")]
    public int CompletedCaseDays { get; set; } = 90;
}

public sealed record PurgeReport(DateTimeOffset Cutoff, int Purged, int FailedPurged = 0);

/// <summary>
/// Purges closed cases whose durable instance was created before a cutoff: their status, timeline and history are
/// deleted from the task hub. Running and Pending cases are never touched, however old.
/// Completed cases go by Durable's purge filter (batched by the provider: repeated until it reports done). Failed and
/// Terminated instances (an orchestration crash or an operator's termination) go too, but only once they stopped more
/// than Escalation:FailureListedFor ago: until then the stale-case scan lists them in its digest, so none is purged
/// before a person was told about it. They are found with an instance query (every page) and purged one by one.
/// The Functions app runs it on the PurgeClosedCases timer; the local host exposes it as POST /api/admin/purge.
/// </summary>
public sealed class CasePurge(
    DurableTaskClient client,
    IOptionsMonitor<RetentionOptions> options,
    IOptionsMonitor<EscalationOptions> escalation,
    TimeProvider time,
    ILogger<CasePurge> logger)
{
    /// <summary>The statuses a closed case can have. Never Running, Pending or Suspended.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> ClosedStatuses =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>Closed by the workflow itself: purged by filter on creation time alone.</summary>
    private static readonly IReadOnlyList<OrchestrationRuntimeStatus> CompletedOnly = [OrchestrationRuntimeStatus.Completed];

    /// <summary>Stopped outside the workflow: purged only after the scan has listed them for Escalation:FailureListedFor.</summary>
    private static readonly IReadOnlyList<OrchestrationRuntimeStatus> FailedOrTerminated = [OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    // The lower bound is explicit: some sidecars reject a purge filter without one. No case predates it.
    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Purge rounds at most (each a provider batch), so a provider that never reports done cannot loop forever.</summary>
    public const int MaxRounds = 1000;

    /// <summary>Instances per query page when looking for Failed/Terminated instances (tests lower it).</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Purges closed cases older than Retention:CompletedCaseDays.</summary>
    public Task<PurgeReport> PurgeAsync(CancellationToken cancellationToken) =>
        PurgeOlderThanAsync(TimeSpan.FromDays(options.CurrentValue.CompletedCaseDays), cancellationToken);

    /// <summary>
    /// Purges closed cases created more than <paramref name="age"/> ago (zero: every closed case), except Failed or
    /// Terminated ones that stopped within Escalation:FailureListedFor.
    /// </summary>
    public async Task<PurgeReport> PurgeOlderThanAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero);
        var now = time.GetUtcNow();
        var cutoff = now - age;
        var listedBefore = now - escalation.CurrentValue.FailureListedFor;
        var purged = 0;

        // A provider may purge in batches and report IsComplete = false: go on until it reports done (bounded).
        for (var round = 0; round < MaxRounds; round++)
        {
            var result = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(Epoch, cutoff, CompletedOnly), cancellationToken);
            purged += result.PurgedInstanceCount;
            if (result.IsComplete != false || result.PurgedInstanceCount == 0)
            {
                break;
            }
        }

        // Every page first, then the purges: deleting while paging could make an engine skip rows.
        var failed = new List<string>();
        var query = new OrchestrationQuery { CreatedFrom = Epoch, CreatedTo = cutoff, Statuses = FailedOrTerminated, PageSize = PageSize };
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages(pageSizeHint: PageSize).WithCancellation(cancellationToken))
        {
            failed.AddRange(page.Values.Where(i => i.LastUpdatedAt <= listedBefore && i.CreatedAt <= cutoff).Select(i => i.InstanceId));
        }

        var failedPurged = 0;
        foreach (var id in failed)
        {
            failedPurged += (await client.PurgeInstanceAsync(id, cancellationToken)).PurgedInstanceCount;
        }

        Log.CasesPurged(logger, purged + failedPurged, cutoff, failedPurged, listedBefore);
        return new PurgeReport(cutoff, purged + failedPurged, failedPurged);
    }
}
