using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Intake;

namespace OptOut.Workflow.UseCases;

/// <summary>
/// Reads one case from the durable engine: its instance, with inputs and outputs, or null. Case ids are matched
/// without regard to letter case on every engine (docs/intake.md, "Case ids"): the id is looked up in lower case, the
/// form intake gives every new case. A case opened before ids were normalised may have capital letters in its instance
/// id; on an engine whose ids are case-sensitive (Azure Storage) it is then found by the exact id as typed.
/// </summary>
internal static class CaseReader
{
    public static async Task<OrchestrationMetadata?> ReadAsync(DurableTaskClient client, string caseId, CancellationToken cancellationToken)
    {
        if (IntakeValidator.NormalizeCaseId(caseId) is not { } id)
        {
            return null;
        }

        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (instance is null && !string.Equals(id, caseId, StringComparison.Ordinal) && IntakeValidator.CaseIdPattern().IsMatch(caseId))
        {
            instance = await client.GetInstanceAsync(caseId, getInputsAndOutputs: true, cancellationToken);
        }

        return instance;
    }

    public static async Task<CaseView?> ViewAsync(DurableTaskClient client, string caseId, CancellationToken cancellationToken) =>
        await ReadAsync(client, caseId, cancellationToken) is { } instance ? CaseView.From(instance) : null;
}
