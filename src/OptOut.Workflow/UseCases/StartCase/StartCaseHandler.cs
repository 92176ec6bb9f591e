using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Access;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Protection;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.UseCases.StartCase;

/// <summary>
/// POST /api/cases and the intake queue: validates the request once, encrypts the SSN and starts one orchestration per
/// case id, on every instance of the app. Idempotent: the same request again answers with the existing case; another
/// request with a taken id is a conflict.
/// </summary>
public sealed class StartCaseHandler(
    DurableTaskClient client,
    ICaseIdRegistry caseIds,
    OfficeDirectory offices,
    SsnProtector protector,
    IOptionsMonitor<WorkflowOptions> workflow,
    IOptionsMonitor<EscalationOptions> escalation,
    TimeProvider time,
    ILogger<StartCaseHandler> logger)
{
    /// <summary>
    /// A case id is used once: the engine refuses to start an id it already holds in any state (the Azure Storage
    /// provider would otherwise restart a completed instance). Not enough alone across instances (the provider checks,
    /// then writes): <see cref="ICaseIdRegistry"/> decides which request starts an id.
    /// </summary>
    private static readonly OrchestrationRuntimeStatus[] EveryStatus =
    [
        OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
        OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated,
    ];

    /// <param name="idFromContent">
    /// A request without a caseId gets an id derived from its keyed fingerprint instead of a random one: a queue
    /// delivers a message at least once, and the same message delivered again must find its case, not start another.
    /// </param>
    /// <param name="caller">
    /// Who opens the case: a signed-in person is recorded as its case manager (name and email from the sign-in, not the
    /// body; the office from the body, or their only office); the office must be one the caller may open cases for.
    /// </param>
    public async Task<StartCaseResult> HandleAsync(Caller caller, CaseIntakeRequest? request, string source, CancellationToken cancellationToken, bool idFromContent = false)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Kind == CallerKind.Person && request is not null)
        {
            request.CaseManager = new CaseManagerDto
            {
                Name = caller.Name,
                Email = caller.Email ?? request.CaseManager?.Email,
                Office = string.IsNullOrWhiteSpace(request.CaseManager?.Office) ? caller.OnlyOffice : request.CaseManager.Office,
            };
        }

        var parsed = IntakeValidator.Parse(request, offices);
        if (parsed.Value is not { } intake)
        {
            WorkflowTelemetry.IntakeRejected.Add(1, new KeyValuePair<string, object?>("source", source));
            return new StartCaseResult(StartDisposition.Invalid, request?.CaseId, null, parsed.Errors, "The case request is not valid.");
        }

        if (!caller.CanOpenFor(intake.Office.Code))
        {
            return new StartCaseResult(StartDisposition.Forbidden, intake.CaseId, null, null, caller.Kind == CallerKind.Integration
                ? $"This integration key may not open cases for office '{intake.Office.Code}'."
                : $"You may not open cases for office '{intake.Office.Code}'.");
        }

        var canonical = intake.Canonical();
        var fingerprint = protector.Fingerprint(canonical);
        var caseId = intake.CaseId ?? (idFromContent ? CaseIds.FromFingerprint(fingerprint) : CaseIds.New(time.GetUtcNow()));
        using var span = WorkflowTelemetry.StartStep("Case intake", caseId, ActivityKind.Producer);

        // The engine first (cases started before the registry existed, and the usual repeat of a started case), then
        // the registry, which every instance shares: the first claim of an id wins.
        if (await CompareExistingAsync(caseId, request!.CaseId, canonical, cancellationToken) is { } existing)
        {
            return existing;
        }

        var input = CaseInputOf(intake, caseId, fingerprint, source);
        switch (await caseIds.ClaimAsync(caseId, fingerprint, caller.OpenerId, cancellationToken))
        {
            case CaseIdClaim.ClaimedByOtherRequest:
                return Conflict(caseId);
            case CaseIdClaim.ClaimedBySameRequest:
                // Started, or being started by another instance right now: the same request, so the same case.
                return await CompareExistingAsync(caseId, request!.CaseId, canonical, cancellationToken)
                    ?? new StartCaseResult(StartDisposition.Existing, caseId, CaseView.Starting(input));
            case CaseIdClaim.Claimed:
                break;
        }

        try
        {
            var version = workflow.CurrentValue.OrchestrationVersion;
            await client.ScheduleNewOrchestrationInstanceAsync(
                WorkflowNames.Orchestrator,
                new CaseRun(input),
                new StartOrchestrationOptions(caseId) { Version = string.IsNullOrEmpty(version) ? null : version }.WithDedupeStatuses(EveryStatus),
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Started after all (a stale claim taken over while its first owner had in fact started it): the same case.
            if (await CompareExistingAsync(caseId, request!.CaseId, canonical, cancellationToken) is { } started)
            {
                await MarkStartedAsync(caseId);
                return started;
            }

            // Give the id back so that a retry of this request can start it; the caller sees the failure.
            await caseIds.ReleaseAsync(caseId, CancellationToken.None);
            throw;
        }

        await MarkStartedAsync(caseId);
        Log.CaseStarted(logger, caseId, source);
        WorkflowTelemetry.CasesStarted.Add(1, new KeyValuePair<string, object?>("source", source));
        return new StartCaseResult(StartDisposition.Created, caseId, CaseView.Starting(input));
    }

    /// <summary>
    /// Best effort: the case is started whatever this says. A claim left unmarked is taken over by the same request
    /// after a minute, whose start then finds the case (above) and marks it.
    /// </summary>
    private async Task MarkStartedAsync(string caseId)
    {
        try
        {
            await caseIds.MarkStartedAsync(caseId, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.CaseIdNotMarkedStarted(logger, e, caseId);
        }
    }

    /// <param name="typed">The id as the request spelled it: a case opened before ids were kept in lower case is found by it.</param>
    private async Task<StartCaseResult?> CompareExistingAsync(string caseId, string? typed, string canonical, CancellationToken cancellationToken)
    {
        var instance = await CaseReader.ReadAsync(client, typed ?? caseId, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        return protector.FingerprintMatches(instance.ReadInputAs<CaseRun>()?.Case.Fingerprint, canonical)
            ? new StartCaseResult(StartDisposition.Existing, instance.InstanceId, CaseView.From(instance))
            : Conflict(caseId);
    }

    private static StartCaseResult Conflict(string caseId) =>
        new(StartDisposition.Conflict, caseId, null, null, $"Case {caseId} already exists with different details. Use a new caseId, or resend the identical request.");

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

}
