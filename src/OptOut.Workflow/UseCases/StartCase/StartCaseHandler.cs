using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Protection;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.UseCases.StartCase;

/// <summary>
/// POST /api/cases and the intake queue: validates the request once, encrypts the SSN and starts one orchestration per
/// case id. Idempotent: the same request again answers with the existing case; another request with a taken id is a
/// conflict.
/// </summary>
public sealed class StartCaseHandler(
    DurableTaskClient client,
    OfficeDirectory offices,
    SsnProtector protector,
    IOptionsMonitor<WorkflowOptions> workflow,
    IOptionsMonitor<EscalationOptions> escalation,
    TimeProvider time,
    ILogger<StartCaseHandler> logger)
{
    private static readonly KeyedLocks StartLocks = new();

    public async Task<StartCaseResult> HandleAsync(CaseIntakeRequest? request, string source, CancellationToken cancellationToken)
    {
        var parsed = IntakeValidator.Parse(request, offices);
        if (parsed.Value is not { } intake)
        {
            WorkflowTelemetry.IntakeRejected.Add(1, new KeyValuePair<string, object?>("source", source));
            return new StartCaseResult(StartDisposition.Invalid, request?.CaseId, null, parsed.Errors, "The case request is not valid.");
        }

        var caseId = intake.CaseId ?? NewCaseId();
        using var span = WorkflowTelemetry.StartStep("Case intake", caseId, ActivityKind.Producer);
        var fingerprint = protector.Fingerprint(intake.Canonical());

        // One start at a time per case id in this process; across processes the engine's own duplicate-id check
        // (caught below) gives the same answer.
        using var held = await StartLocks.AcquireAsync(caseId, cancellationToken);
        if (await CompareExistingAsync(caseId, fingerprint, cancellationToken) is { } existing)
        {
            return existing;
        }

        var input = CaseInputOf(intake, caseId, fingerprint, source);
        try
        {
            var version = workflow.CurrentValue.OrchestrationVersion;
            await client.ScheduleNewOrchestrationInstanceAsync(
                WorkflowNames.Orchestrator,
                new CaseRun(input),
                new StartOrchestrationOptions(caseId) { Version = string.IsNullOrEmpty(version) ? null : version },
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Another process may have started the same id a moment ago: answer as a duplicate if so.
            if (await CompareExistingAsync(caseId, fingerprint, cancellationToken) is { } duplicate)
            {
                return duplicate;
            }

            throw;
        }

        Log.CaseStarted(logger, caseId, source);
        WorkflowTelemetry.CasesStarted.Add(1, new KeyValuePair<string, object?>("source", source));
        return new StartCaseResult(StartDisposition.Created, caseId, CaseView.Starting(input));
    }

    private async Task<StartCaseResult?> CompareExistingAsync(string caseId, string fingerprint, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(caseId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        return string.Equals(instance.ReadInputAs<CaseRun>()?.Case.Fingerprint, fingerprint, StringComparison.Ordinal)
            ? new StartCaseResult(StartDisposition.Existing, caseId, CaseView.From(instance))
            : new StartCaseResult(StartDisposition.Conflict, caseId, null, null, $"Case {caseId} already exists with different details. Use a new caseId, or resend the identical request.");
    }

    private CaseInput CaseInputOf(ValidIntake intake, string caseId, string fingerprint, string source)
    {
        var esc = escalation.CurrentValue;
        return new CaseInput(
            caseId,
            new CaseManagerInfo(intake.CaseManagerName, intake.CaseManagerEmail, intake.Office.Code),
            new ClientInfo(
                intake.FirstName,
                intake.LastName,
                intake.Phone,
                intake.ClientEmail,
                intake.HasWorkSourceAccount,
                intake.Ssn.LastFour,
                protector.Protect(intake.Ssn.Digits, caseId)),
            intake.Reason,
            intake.Office.Supervisor,
            new Contact(esc.ContactName, esc.ContactEmail),
            time.GetUtcNow().UtcDateTime,
            fingerprint,
            source,
            workflow.CurrentValue.ToPolicy());
    }

    private string NewCaseId() =>
        $"case-{time.GetUtcNow():yyyyMMdd}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant()}";
}
