namespace OptOut.Workflow.Cases;

/// <summary>The Withdraw event: POST /api/cases/{id}/withdraw, or the case page's button.</summary>
public sealed record CaseWithdrawal(string? Reason, DateTime At);
