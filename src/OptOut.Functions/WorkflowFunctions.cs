using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Orchestration;

namespace OptOut.Functions;

/// <summary>
/// Hand-written [Function] wrappers for the orchestrator and activities (the Durable source generator is not used).
/// Each one only adapts the trigger to the class in OptOut.Workflow; no logic lives here.
/// </summary>
public sealed class WorkflowFunctions(
    SearchSeekerActivity search,
    AddSeekerToOfficeActivity addToOffice,
    OptOutLookupActivity optOutLookup,
    SendNotificationActivity notify)
{
    [Function(WorkflowNames.Orchestrator)]
    public static Task<CaseResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new OptOutCaseOrchestrator().RunAsync(context, context.GetInput<CaseRun>()!);

    [Function(WorkflowNames.Search)]
    public Task<SeekerMatch> Search([ActivityTrigger] SeekerQuery input, FunctionContext context) =>
        search.RunAsync(new FunctionActivityContext(WorkflowNames.Search, input.CaseId), input);

    [Function(WorkflowNames.AddToOffice)]
    public Task<AddSeekerResult> AddToOffice([ActivityTrigger] AddSeekerRequest input, FunctionContext context) =>
        addToOffice.RunAsync(new FunctionActivityContext(WorkflowNames.AddToOffice, input.CaseId), input);

    [Function(WorkflowNames.OptOutLookup)]
    public Task<OptOutLookupResult> OptOutLookup([ActivityTrigger] OptOutLookupRequest input, FunctionContext context) =>
        optOutLookup.RunAsync(new FunctionActivityContext(WorkflowNames.OptOutLookup, input.CaseId), input);

    [Function(WorkflowNames.Notify)]
    public Task<NotificationReceipt> Notify([ActivityTrigger] NotificationRequest input, FunctionContext context) =>
        notify.RunAsync(new FunctionActivityContext(WorkflowNames.Notify, input.Case.CaseId), input);

    /// <summary>The activity classes only read the name and instance id from their context.</summary>
    private sealed class FunctionActivityContext(string name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;
    }
}
