namespace OptOut.Workflow.Cases;

/// <summary>
/// The case's public state, published as the orchestration's custom status after every step.
/// It is what GET /api/cases/{id} shows: no SSN beyond the masked last four.
/// </summary>
public sealed class CaseStatus
{
    public string CaseId { get; set; } = "";
    public CaseStage Stage { get; set; }
    public CaseOutcome? Outcome { get; set; }
    public string ClientName { get; set; } = "";
    public string SsnMasked { get; set; } = "";
    public string Office { get; set; } = "";
    public string CaseManager { get; set; } = "";
    public DateTime ReceivedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? WaitingSince { get; set; }
    public int RemindersSent { get; set; }
    public int RegistrationChecks { get; set; }
    public bool Escalated { get; set; }
    public string? LastStaleFlagDate { get; set; }
    public string? Decision { get; set; }
    public DateTime? ClosedAt { get; set; }
    public List<TimelineEntry> Timeline { get; set; } = [];

    public static CaseStatus For(CaseInput input) => new()
    {
        CaseId = input.CaseId,
        Stage = CaseStage.Received,
        ClientName = input.Client.FullName,
        SsnMasked = input.Client.SsnMasked,
        Office = input.CaseManager.Office,
        CaseManager = input.CaseManager.Name,
        ReceivedAt = input.ReceivedAt,
        UpdatedAt = input.ReceivedAt,
    };
}

/// <summary>
/// The orchestration's input. A case starts with <see cref="Resume"/> null; a waiting stage continues-as-new with
/// its counters here so the history stays bounded however many reminders or re-checks there are.
/// </summary>
public sealed record CaseRun(CaseInput Case, CaseStatus? Status = null, CaseStage? Resume = null);
