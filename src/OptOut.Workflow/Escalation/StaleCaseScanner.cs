using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Escalation;

/// <summary>Why the scan lists a case. The digest has one group per kind, each with what to do.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StaleKind>))]
public enum StaleKind
{
    /// <summary>Waiting on the ESD WIOA supervisor longer than Escalation:StaleAfter. The only kind that gets a StaleCaseFlagged event.</summary>
    AwaitingSupervisor,

    /// <summary>Waiting for the client's WorkSourceWA registration longer than Escalation:RegistrationStaleAfter.</summary>
    AwaitingRegistration,

    /// <summary>Running, but not moved for longer than Escalation:StuckAfter in a step that normally takes seconds.</summary>
    StuckInStep,

    /// <summary>Runtime status Pending (accepted, never started) longer than Escalation:PendingAfter.</summary>
    NeverStarted,

    /// <summary>Runtime status Failed: the orchestration crashed (not the Failed outcome, which closes normally).</summary>
    RuntimeFailed,

    /// <summary>Runtime status Terminated: ended by an operator.</summary>
    Terminated,
}

/// <summary>
/// One case the scan lists. Never an SSN, not even masked: case id, client name, office, case manager, the stage it
/// is at (or was at when it stopped) and since when.
/// </summary>
public sealed record StaleCase(string CaseId, StaleKind Kind, string ClientName, string Office, string CaseManager, string Stage, DateTime Since, int RemindersSent);

/// <summary>What one scan found. <see cref="Escalated"/> is the supervisor waits among <see cref="Stale"/>.</summary>
public sealed record StaleScanResult(string Date, int Scanned, IReadOnlyList<StaleCase> Stale, int Flagged, bool DigestSent)
{
    public IReadOnlyList<StaleCase> Escalated => [.. Stale.Where(c => c.Kind == StaleKind.AwaitingSupervisor)];

    public IReadOnlyList<StaleCase> Of(StaleKind kind) => [.. Stale.Where(c => c.Kind == kind)];
}

/// <summary>
/// The scheduled EscalateStaleCases scan (Functions timer; the local host's StaleScanService). It pages through every
/// instance that is not Completed (metadata, input and custom status only, never history) and lists, by kind
/// (<see cref="StaleKind"/>): supervisor waits past Escalation:StaleAfter, registration waits past RegistrationStaleAfter,
/// cases stuck in a short step past StuckAfter, instances Pending past PendingAfter, and orchestrations that crashed
/// (Failed) or were terminated within FailureListedFor. The escalation contact gets one digest grouped by kind; only the
/// supervisor waits (the one stage that listens for it) get a StaleCaseFlagged event, at most once per date.
/// Idempotent: the digest's message key is the date and the set of listed cases, so a re-run that finds the same cases
/// sends nothing new, while a case that turns stale later the same day brings a new digest. Every scan records the
/// optout.cases.stale and optout.cases.open gauges and logs one summary line (the alerts read them).
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

    /// <summary>The runtime statuses the scan reads. Completed cases closed normally and are never listed.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> ScannedStatuses =
        [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>Instances per query page (tests lower it to prove the scan follows continuation tokens).</summary>
    public int PageSize { get; init; } = DefaultPageSize;

    public async Task<StaleScanResult> ScanAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow().UtcDateTime;
        var date = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var stale = new List<StaleCase>();
        var toFlag = new List<StaleCase>();
        var open = Enum.GetValues<CaseStage>().Where(s => s != CaseStage.Closed).ToDictionary(s => s.ToString(), _ => 0L);
        open["Pending"] = 0;
        var scanned = 0;

        var query = new OrchestrationQuery
        {
            Statuses = ScannedStatuses,
            PageSize = PageSize,
            FetchInputsAndOutputs = true, // custom status (and, for a case that never published one, the input's names)
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

                var status = CaseView.ReadStatus(instance) ?? FromInput(instance);
                CountOpen(open, instance, status);
                if (Classify(instance, status, now, o) is { } found)
                {
                    stale.Add(found);
                    if (found.Kind == StaleKind.AwaitingSupervisor && status?.LastStaleFlagDate != date)
                    {
                        toFlag.Add(found);
                    }
                }
            }
        }

        Record(stale, open);
        if (stale.Count == 0)
        {
            Log.NoStaleCases(logger, date, scanned);
            return new StaleScanResult(date, scanned, [], 0, false);
        }

        stale.Sort((a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.CaseId, b.CaseId));
        foreach (var c in stale)
        {
            Log.StaleCaseListed(logger, date, c.CaseId, c.Kind, c.Stage, c.Since);
        }

        var digest = EmailTemplates.StaleDigest(DigestKey(date, stale), date, new Contact(o.ContactName, o.ContactEmail), o, stale);
        var sent = await notifier.SendAsync(digest, cancellationToken);
        if (sent)
        {
            WorkflowTelemetry.Escalations.Add(stale.Count, new KeyValuePair<string, object?>("kind", "stale-scan"));
        }

        // One event per case waiting on a supervisor, several at a time: each is a queue write in Azure Storage, so one
        // by one a scan of thousands of stale cases would take minutes. Cases flagged today already have their entry.
        var flagged = 0;
        await Parallel.ForEachAsync(toFlag, new ParallelOptions { MaxDegreeOfParallelism = FlagConcurrency, CancellationToken = cancellationToken }, async (c, ct) =>
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

        int Count(StaleKind k) => stale.Count(c => c.Kind == k);
        Log.StaleCasesFound(
            logger, date, stale.Count, Count(StaleKind.AwaitingSupervisor), Count(StaleKind.AwaitingRegistration), Count(StaleKind.StuckInStep),
            Count(StaleKind.NeverStarted), Count(StaleKind.RuntimeFailed), Count(StaleKind.Terminated), scanned, flagged, sent);
        return new StaleScanResult(date, scanned, stale, flagged, sent);
    }

    /// <summary>Whether (and why) one instance is listed; null when it is fine.</summary>
    internal static StaleCase? Classify(OrchestrationMetadata instance, CaseStatus? status, DateTime now, EscalationOptions o)
    {
        var stage = status?.Stage ?? CaseStage.Received;
        StaleCase Case(StaleKind kind, DateTime since) => new(
            instance.InstanceId, kind, status?.ClientName ?? "", status?.Office ?? "", status?.CaseManager ?? "",
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending ? "Pending" : stage.ToString(), since, status?.RemindersSent ?? 0);

        var updated = instance.LastUpdatedAt.UtcDateTime;
        switch (instance.RuntimeStatus)
        {
            case OrchestrationRuntimeStatus.Pending:
                var created = instance.CreatedAt.UtcDateTime;
                return now - created >= o.PendingAfter ? Case(StaleKind.NeverStarted, created) : null;
            case OrchestrationRuntimeStatus.Failed:
                return now - updated <= o.FailureListedFor ? Case(StaleKind.RuntimeFailed, updated) : null;
            case OrchestrationRuntimeStatus.Terminated:
                return now - updated <= o.FailureListedFor ? Case(StaleKind.Terminated, updated) : null;
            case OrchestrationRuntimeStatus.Running:
                break;
            default:
                return null;
        }

        // Running. The waiting stages are measured from when the wait began (continue-as-new restarts the instance's
        // created time at every reminder; WaitingSince in the case status does not); every other stage from the case's
        // last step (a case without a published status yet: from its creation).
        var lastStep = status?.UpdatedAt ?? instance.CreatedAt.UtcDateTime;
        return stage switch
        {
            CaseStage.AwaitingSupervisor when now - (status?.WaitingSince ?? lastStep) >= o.StaleAfter => Case(StaleKind.AwaitingSupervisor, status?.WaitingSince ?? lastStep),
            CaseStage.AwaitingRegistration when now - (status?.WaitingSince ?? lastStep) >= o.RegistrationStaleAfter => Case(StaleKind.AwaitingRegistration, status?.WaitingSince ?? lastStep),
            CaseStage.AwaitingSupervisor or CaseStage.AwaitingRegistration => null,
            _ when now - lastStep >= o.StuckAfter => Case(StaleKind.StuckInStep, lastStep),
            _ => null,
        };
    }

    /// <summary>Names for a case that has not published a status yet (Pending, or crashed before its first step): from its input, never its SSN.</summary>
    private static CaseStatus? FromInput(OrchestrationMetadata instance)
    {
        try
        {
            return instance.ReadInputAs<CaseRun>() is { Case: { } c } run ? run.Status ?? CaseStatus.For(c) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static void CountOpen(Dictionary<string, long> open, OrchestrationMetadata instance, CaseStatus? status)
    {
        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending)
        {
            open["Pending"]++;
        }
        else if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Running)
        {
            var stage = (status?.Stage ?? CaseStage.Received).ToString();
            open[stage] = open.GetValueOrDefault(stage) + 1;
        }
    }

    private static void Record(List<StaleCase> stale, Dictionary<string, long> open)
    {
        foreach (var kind in Enum.GetValues<StaleKind>())
        {
            WorkflowTelemetry.CasesStale.Record(stale.Count(c => c.Kind == kind), new KeyValuePair<string, object?>("kind", kind.ToString()));
        }

        foreach (var (stage, count) in open)
        {
            WorkflowTelemetry.CasesOpen.Record(count, new KeyValuePair<string, object?>("stage", stage));
        }
    }

    internal static string DigestKey(string date, IEnumerable<StaleCase> cases)
    {
        var ids = string.Join("\n", cases.Select(c => $"{c.Kind}:{c.CaseId}").Order(StringComparer.Ordinal));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..16].ToLowerInvariant();
        return $"stale-digest:{date}:{hash}";
    }
}
