using Microsoft.DurableTask.Client;

namespace OptOut.Workflow.Cases;

/// <summary>
/// What the API returns for a case. Built from the custom status and output; before the engine has run the case's
/// first step (no custom status yet) from the public part of its input, the fields <see cref="CaseStatus.For"/> copies
/// (client name, masked SSN, office, case manager), so that the case is visible to its office from the moment it is
/// opened. Never anything else of the input.
/// </summary>
public sealed record CaseView(
    string CaseId,
    string Stage,
    string Status,
    string? Outcome,
    string? Detail,
    string ClientName,
    string SsnMasked,
    string Office,
    string CaseManager,
    DateTime? ReceivedAt,
    DateTime? LastUpdatedAt,
    DateTime? WaitingSince,
    int RemindersSent,
    bool Escalated,
    string? Decision,
    DateTime? ClosedAt,
    IReadOnlyList<TimelineView> Timeline)
{
    public static CaseView From(OrchestrationMetadata instance)
    {
        var status = ReadStatus(instance) ?? StatusFromInput(instance);
        CaseResult? result = null;
        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.SerializedOutput is not null)
        {
            result = instance.ReadOutputAs<CaseResult>();
        }

        var stage = status?.Stage.ToString() ?? CaseStage.Received.ToString();
        string? outcome = result?.Outcome.ToString() ?? status?.Outcome?.ToString();
        var detail = result?.Detail;
        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Terminated)
        {
            stage = CaseStage.Closed.ToString();
            outcome ??= CaseOutcome.Withdrawn.ToString();
            detail ??= "The case was terminated by an operator.";
        }
        else if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed)
        {
            stage = CaseStage.Closed.ToString();
            outcome ??= CaseOutcome.Failed.ToString();
            detail ??= "The workflow stopped unexpectedly; operations have been alerted.";
        }

        return new CaseView(
            instance.InstanceId,
            stage,
            instance.RuntimeStatus.ToString(),
            outcome,
            detail,
            status?.ClientName ?? "",
            status?.SsnMasked ?? "",
            status?.Office ?? "",
            status?.CaseManager ?? "",
            status?.ReceivedAt ?? instance.CreatedAt.UtcDateTime,
            instance.LastUpdatedAt.UtcDateTime,
            status?.WaitingSince,
            status?.RemindersSent ?? 0,
            status?.Escalated ?? false,
            status?.Decision,
            status?.ClosedAt,
            status?.Timeline.Select(t => new TimelineView(t.At, t.Step, t.Detail)).ToList() ?? []);
    }

    /// <summary>A case just scheduled, before the engine has run it: Pending, with only its "Received" entry.</summary>
    public static CaseView Starting(CaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var status = CaseStatus.For(input);
        return new CaseView(
            input.CaseId, status.Stage.ToString(), nameof(OrchestrationRuntimeStatus.Pending), null, null, status.ClientName, status.SsnMasked, status.Office, status.CaseManager,
            status.ReceivedAt, status.UpdatedAt, null, 0, false, null, null, [new TimelineView(input.ReceivedAt, "Received", "Case accepted; the workflow is starting.")]);
    }

    public static CaseStatus? ReadStatus(OrchestrationMetadata instance)
    {
        if (string.IsNullOrEmpty(instance.SerializedCustomStatus))
        {
            return null;
        }

        try
        {
            return instance.ReadCustomStatusAs<CaseStatus>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The status a case starts with, from its input, while the engine has published none.</summary>
    private static CaseStatus? StatusFromInput(OrchestrationMetadata instance)
    {
        if (string.IsNullOrEmpty(instance.SerializedInput) || instance.Name != WorkflowNames.Orchestrator)
        {
            return null;
        }

        try
        {
            var run = instance.ReadInputAs<CaseRun>();
            // (A stored input may lack parts a record declares non-null: then there is nothing to show.)
            return run?.Status ?? (run?.Case is { CaseManager: not null, Client: not null } input ? WithReceived(CaseStatus.For(input)) : null);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static CaseStatus WithReceived(CaseStatus status)
    {
        status.Timeline.Add(new TimelineEntry(status.ReceivedAt, "Received", "Case accepted; the workflow is starting."));
        return status;
    }

    public bool IsClosed => Stage == nameof(CaseStage.Closed);
}

public sealed record TimelineView(DateTime At, string Step, string Detail);

public sealed record CasePage(IReadOnlyList<CaseView> Items, string? ContinuationToken);
