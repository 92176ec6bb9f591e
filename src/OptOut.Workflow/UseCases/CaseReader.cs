using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Intake;

namespace OptOut.Workflow.UseCases;

/// <summary>Reads one case from the durable engine: its instance, with inputs and outputs, or null.</summary>
internal static class CaseReader
{
    public static Task<OrchestrationMetadata?> ReadAsync(DurableTaskClient client, string caseId, CancellationToken cancellationToken) =>
        IntakeValidator.CaseIdPattern().IsMatch(caseId)
            ? client.GetInstanceAsync(caseId, getInputsAndOutputs: true, cancellationToken)
            : Task.FromResult<OrchestrationMetadata?>(null);

    public static async Task<CaseView?> ViewAsync(DurableTaskClient client, string caseId, CancellationToken cancellationToken) =>
        await ReadAsync(client, caseId, cancellationToken) is { } instance ? CaseView.From(instance) : null;
}
