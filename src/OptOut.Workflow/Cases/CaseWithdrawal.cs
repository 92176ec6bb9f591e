namespace OptOut.Workflow.Cases;

/// <summary>
/// The Withdraw event: POST /api/cases/{id}/withdraw, or the case page's button. <see cref="WithdrawnBy"/> is the
/// signed-in person who withdrew the case (null for the app itself); it is optional in the event's JSON, so events
/// raised before it existed still read. The orchestrator puts it on the timeline only, never into an activity's input,
/// so it changes nothing a running case replays.
/// </summary>
public sealed record CaseWithdrawal(string? Reason, DateTime At, string? WithdrawnBy = null);
