using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Escalation;

/// <summary>One case the scan found waiting on a supervisor for too long.</summary>
public sealed record StaleCase(string CaseId, string ClientName, string Office, string CaseManager, DateTime WaitingSince, int RemindersSent);

public sealed record StaleScanResult(string Date, int Scanned, IReadOnlyList<StaleCase> Escalated, bool DigestSent);

/// <summary>
/// The scheduled EscalateStaleCases scan. It pages through running instances (metadata and custom status only, never
/// history), picks those waiting on a supervisor longer than Escalation:StaleAfter that were not already flagged today,
/// sends the escalation contact one digest, and raises a StaleCaseFlagged event so each case's timeline records it.
/// Idempotent per day: a case flagged today is skipped, and the digest's message key is per date.
/// </summary>
public sealed class StaleCaseScanner(
    DurableTaskClient client,
    INotifier notifier,
    IOptionsMonitor<EscalationOptions> options,
    TimeProvider time,
    ILogger<StaleCaseScanner> logger)
{
    public const int DefaultPageSize = 500;

    /// <summary>Flag events raised at once.</summary>
    public const int FlagConcurrency = 16;

    /// <summary>Instances per query page (tests lower it to prove the scan follows continuation tokens).</summary>
    public int PageSize { get; init; } = DefaultPageSize;

    public async Task<StaleScanResult> ScanAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var date = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var cutoff = now - options.CurrentValue.StaleAfter;
        var stale = new List<StaleCase>();
        var scanned = 0;

        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running],
            PageSize = PageSize,
            FetchInputsAndOutputs = true,
        };
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages(pageSizeHint: PageSize).WithCancellation(cancellationToken))
        {
            foreach (var instance in page.Values)
            {
                scanned++;
                if (instance.Name != WorkflowNames.Orchestrator)
                {
                    continue;
                }

                var status = CaseView.ReadStatus(instance);
                if (status is { Stage: CaseStage.AwaitingSupervisor, WaitingSince: { } since } && since <= cutoff && status.LastStaleFlagDate != date)
                {
                    stale.Add(new StaleCase(instance.InstanceId, status.ClientName, status.Office, status.CaseManager, since, status.RemindersSent));
                }
            }
        }

        if (stale.Count == 0)
        {
            Log.NoStaleCases(logger, date, scanned);
            return new StaleScanResult(date, scanned, [], false);
        }

        var o = options.CurrentValue;
        stale.Sort((a, b) => string.CompareOrdinal(a.CaseId, b.CaseId));
        // The key is per date and per set of cases: a re-run that finds the same cases (their flags not processed yet)
        // is a duplicate the mail provider drops, while a case that turns stale later the same day still gets reported.
        var digest = EmailTemplates.StaleDigest(DigestKey(date, stale), date, new Contact(o.ContactName, o.ContactEmail), o.StaleAfter, stale);
        var sent = await notifier.SendAsync(digest, cancellationToken);
        WorkflowTelemetry.Escalations.Add(stale.Count, new KeyValuePair<string, object?>("kind", "stale-scan"));
        // One event per case, several at a time: each is a queue write in Azure Storage, so one by one a scan of
        // thousands of stale cases would take minutes.
        var flagged = 0;
        await Parallel.ForEachAsync(stale, new ParallelOptions { MaxDegreeOfParallelism = FlagConcurrency, CancellationToken = cancellationToken }, async (c, ct) =>
        {
            try
            {
                await client.RaiseEventAsync(c.CaseId, WorkflowEvents.StaleFlag, new StaleCaseFlag(date, o.ContactName), ct);
                Interlocked.Increment(ref flagged);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The case may have closed since the query; the others still get their timeline entry.
                Log.StaleFlagFailed(logger, e, date, c.CaseId);
            }
        });

        Log.StaleCasesEscalated(logger, date, scanned, stale.Count, flagged);
        return new StaleScanResult(date, scanned, stale, sent);
    }

    internal static string DigestKey(string date, IEnumerable<StaleCase> cases)
    {
        var ids = string.Join("\n", cases.Select(c => c.CaseId).Order(StringComparer.Ordinal));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..16].ToLowerInvariant();
        return $"stale-digest:{date}:{hash}";
    }
}
