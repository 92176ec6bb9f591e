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
    public const int PageSize = 500;

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
            logger.LogInformation("Stale-case scan {Date}: {Scanned} running case(s), none newly stale", date, scanned);
            return new StaleScanResult(date, scanned, [], false);
        }

        var o = options.CurrentValue;
        var digest = EmailTemplates.StaleDigest(date, new Contact(o.ContactName, o.ContactEmail), o.StaleAfter, stale);
        var sent = await notifier.SendAsync(digest, cancellationToken);
        WorkflowTelemetry.Escalations.Add(stale.Count, new KeyValuePair<string, object?>("kind", "stale-scan"));
        foreach (var c in stale)
        {
            await client.RaiseEventAsync(c.CaseId, WorkflowEvents.StaleFlag, new StaleCaseFlag(date, o.ContactName), cancellationToken);
        }

        logger.LogInformation("Stale-case scan {Date}: {Scanned} running case(s), {Stale} escalated to the escalation contact", date, scanned, stale.Count);
        return new StaleScanResult(date, scanned, stale, sent);
    }
}
