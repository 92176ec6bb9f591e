namespace OptOut.Workflow.Orchestration;

/// <summary>
/// The versions of <see cref="OptOutCaseOrchestrator"/>. A case keeps the version it was started with for its whole
/// life (continue-as-new included), and the orchestrator branches on <c>context.Version</c> wherever a later version
/// schedules something differently, so a deploy never changes what a waiting case replays
/// (docs/orchestrator-versioning.md). Versions compare as <see cref="Version"/> numbers; empty (cases started before
/// versioning) is older than every number.
/// </summary>
public static class OrchestratorVersions
{
    /// <summary>The procedure as first deployed; cases started before versioning have no version and take this path.</summary>
    public const string V1 = "1";

    /// <summary>
    /// Version 2: once the first execution is over (the Opt-Out Lookup, the only reader of the SSN, runs in it), the
    /// encrypted SSN is no longer carried into continue-as-new inputs.
    /// </summary>
    public const string SsnDroppedAfterLookup = "2";

    /// <summary>
    /// Version 3, first change: in the step that starts a wait, an email the wait does not depend on (the client's, the
    /// case manager's) may fail after its retries without failing the case. The failure is recorded on the timeline and
    /// the case waits on; only the supervisor's request (or, for registration, both emails) failing closes it as Failed.
    /// A decision the supervisor records while the step's emails are still going out is therefore always acted on.
    /// </summary>
    public const string SideEmailFailuresKeepTheWait = "3";

    /// <summary>
    /// Version 3, second change: the supervisor and registration deadlines land in business hours, like reminders and
    /// escalations (the case closes, and its emails go out, at the next working opening).
    /// </summary>
    public const string DeadlinesInBusinessHours = "3";

    /// <summary>The newest version this build runs: new cases start with it, and the worker takes no newer case.</summary>
    public const string Current = "3";

    /// <summary>Every version this build can run, oldest first ("" is a case started before versioning).</summary>
    public static IReadOnlyList<string> Known { get; } = ["", V1, SsnDroppedAfterLookup, Current];
}
