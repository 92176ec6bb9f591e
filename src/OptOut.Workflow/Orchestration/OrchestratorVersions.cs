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

    /// <summary>The newest version this build runs: new cases start with it, and the worker takes no newer case.</summary>
    public const string Current = SsnDroppedAfterLookup;

    /// <summary>Every version this build can run, oldest first ("" is a case started before versioning).</summary>
    public static IReadOnlyList<string> Known { get; } = ["", V1, SsnDroppedAfterLookup];
}
