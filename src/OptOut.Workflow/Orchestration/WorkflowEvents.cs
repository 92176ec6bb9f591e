namespace OptOut.Workflow.Orchestration;

/// <summary>External event names the case orchestration listens for.</summary>
public static class WorkflowEvents
{
    public const string SupervisorDecision = "SupervisorDecision";
    public const string Withdraw = "Withdraw";
    public const string StaleFlag = "StaleCaseFlagged";
}
