namespace OptOut.Workflow.Escalation;

/// <summary>The scheduled EscalateStaleCases scan flagged this case (once per day).</summary>
public sealed record StaleCaseFlag(string Date, string EscalatedTo);
