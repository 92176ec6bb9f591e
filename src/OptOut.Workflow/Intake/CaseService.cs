using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Protection;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Intake;

public enum StartDisposition
{
    Created,
    Existing,
    Conflict,
    Invalid,
}

public sealed record StartResult(StartDisposition Disposition, string? CaseId, CaseView? Case, IDictionary<string, string[]>? Errors = null, string? Message = null);

public enum CommandDisposition
{
    Accepted,
    NotFound,
    Conflict,
    Forbidden,
    Gone,
}

public sealed record CommandResult(CommandDisposition Disposition, string Message, CaseView? Case = null);

/// <summary>Filters for GET /api/cases.</summary>
public sealed record CaseListQuery(CaseStage? Stage, OrchestrationRuntimeStatus? Status, DateTimeOffset? CreatedBefore, string? ContinuationToken, int PageSize = 50);

/// <summary>
/// The use cases behind the HTTP contract and the queue: start (idempotent), read, list, withdraw, decide.
/// Host-agnostic: both the Functions app and the local host call it with their DurableTaskClient.
/// </summary>
public sealed class CaseService(
    DurableTaskClient client,
    SsnProtector protector,
    DecisionTokens tokens,
    IDecisionLedger ledger,
    IOptionsMonitor<WorkflowOptions> workflow,
    IOptionsMonitor<Dictionary<string, OfficeOptions>> offices,
    IOptionsMonitor<EscalationOptions> escalation,
    TimeProvider time,
    ILogger<CaseService> logger)
{
    private static readonly KeyedLocks StartLocks = new();

    public bool OfficeExists(string code) => FindOffice(code) is not null;

    public async Task<StartResult> StartAsync(CaseIntakeRequest request, string source, CancellationToken cancellationToken)
    {
        var errors = IntakeValidator.Validate(request, OfficeExists);
        if (errors.Count > 0)
        {
            WorkflowTelemetry.IntakeRejected.Add(1, new KeyValuePair<string, object?>("source", source));
            return new StartResult(StartDisposition.Invalid, request?.CaseId, null, errors, "The case request is not valid.");
        }

        var caseId = request.CaseId ?? NewCaseId();
        using var span = WorkflowTelemetry.StartStep("Case intake", caseId, System.Diagnostics.ActivityKind.Producer);
        var fingerprint = protector.Fingerprint(Canonical(request));
        // One start at a time per case id in this process; across processes the engine's own duplicate-id check
        // (caught below) gives the same answer.
        using var held = await StartLocks.AcquireAsync(caseId, cancellationToken);
        var existing = await CompareExistingAsync(caseId, fingerprint, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var input = BuildInput(request, caseId, fingerprint, source);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                WorkflowNames.Orchestrator,
                CaseRun.Start(input),
                new StartOrchestrationOptions(caseId),
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Another process may have started the same id a moment ago: answer as a duplicate if so.
            existing = await CompareExistingAsync(caseId, fingerprint, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            throw;
        }

        logger.LogInformation("Case {CaseId} started from {Source}", caseId, source);
        WorkflowTelemetry.CasesStarted.Add(1, new KeyValuePair<string, object?>("source", source));
        var status = CaseStatus.For(input);
        status.Timeline.Add(new TimelineEntry(input.ReceivedAt, "Received", "Case accepted; the workflow is starting."));
        return new StartResult(StartDisposition.Created, caseId, ViewOf(caseId, status));
    }

    public async Task<CaseView?> GetAsync(string caseId, CancellationToken cancellationToken)
    {
        if (!IntakeValidator.CaseIdPattern().IsMatch(caseId))
        {
            return null;
        }

        var instance = await client.GetInstanceAsync(caseId, getInputsAndOutputs: true, cancellationToken);
        return instance is null ? null : CaseView.From(instance);
    }

    public async Task<CasePage> ListAsync(CaseListQuery query, CancellationToken cancellationToken)
    {
        var filter = new OrchestrationQuery
        {
            Statuses = query.Status is { } s ? [s] : null,
            CreatedTo = query.CreatedBefore,
            PageSize = Math.Clamp(query.PageSize, 1, 500),
            FetchInputsAndOutputs = true,
            ContinuationToken = query.ContinuationToken,
        };
        await foreach (var page in client.GetAllInstancesAsync(filter).AsPages(query.ContinuationToken, filter.PageSize).WithCancellation(cancellationToken))
        {
            var items = page.Values
                .Where(i => i.Name == WorkflowNames.Orchestrator)
                .Select(CaseView.From)
                .Where(v => query.Stage is null || v.Stage == query.Stage.ToString())
                .ToList();
            return new CasePage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new CasePage([], null);
    }

    public async Task<CommandResult> WithdrawAsync(string caseId, string? reason, CancellationToken cancellationToken)
    {
        var view = await GetAsync(caseId, cancellationToken);
        if (view is null)
        {
            return new CommandResult(CommandDisposition.NotFound, $"Case {caseId} was not found.");
        }

        if (view.IsClosed || view.Status != nameof(OrchestrationRuntimeStatus.Running))
        {
            return new CommandResult(CommandDisposition.Conflict, $"Case {caseId} is already closed ({view.Outcome}).", view);
        }

        if (view.Stage is not (nameof(CaseStage.AwaitingSupervisor) or nameof(CaseStage.AwaitingRegistration)))
        {
            return new CommandResult(CommandDisposition.Conflict, $"Case {caseId} is at stage {view.Stage}, which cannot be withdrawn; it only waits at AwaitingRegistration or AwaitingSupervisor. Try again in a moment.", view);
        }

        var trimmed = reason is null ? null : reason.Length > 500 ? reason[..500] : reason;
        await client.RaiseEventAsync(caseId, WorkflowEvents.Withdraw, new CaseWithdrawal(trimmed, time.GetUtcNow().UtcDateTime), cancellationToken);
        logger.LogInformation("Case {CaseId}: withdrawal requested", caseId);
        return new CommandResult(CommandDisposition.Accepted, $"Case {caseId} is being withdrawn.", view);
    }

    /// <summary>Checks a decision token without changing anything (GET of the emailed link).</summary>
    public async Task<CommandResult> InspectDecisionAsync(string token, CancellationToken cancellationToken) =>
        (await CheckDecisionAsync(tokens.Read(token), cancellationToken)).Result;

    /// <summary>The checks of <see cref="InspectDecisionAsync"/>, also returning the case's supervisor (one read of the case).</summary>
    private async Task<(CommandResult Result, Contact? Supervisor)> CheckDecisionAsync(DecisionTokenInfo info, CancellationToken cancellationToken)
    {
        if (info.State == TokenState.Tampered)
        {
            return (new CommandResult(CommandDisposition.Forbidden, "This decision link is not valid. Use the link exactly as emailed."), null);
        }

        var instance = await client.GetInstanceAsync(info.CaseId!, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return (new CommandResult(CommandDisposition.NotFound, "The case for this link no longer exists."), null);
        }

        var view = CaseView.From(instance);
        var run = instance.ReadInputAs<CaseRun>();
        if (run is null || !string.Equals(tokens.SupervisorTag(run.Case.Supervisor.Email), info.SupervisorTag, StringComparison.Ordinal))
        {
            return (new CommandResult(CommandDisposition.Forbidden, "This decision link does not belong to this case's supervisor."), null);
        }

        if (view.IsClosed || view.Decision is not null)
        {
            return (new CommandResult(CommandDisposition.Conflict, view.Decision is not null ? $"A decision was already recorded for case {view.CaseId}: {view.Decision}." : $"Case {view.CaseId} is already closed ({view.Outcome}).", view), null);
        }

        if (info.State == TokenState.Expired)
        {
            return (new CommandResult(CommandDisposition.Gone, "This decision link has expired. Ask the case manager to resend, or use the newest reminder email.", view), null);
        }

        if (view.Stage != nameof(CaseStage.AwaitingSupervisor))
        {
            return (new CommandResult(CommandDisposition.Conflict, $"Case {view.CaseId} is not waiting for a supervisor decision (stage {view.Stage}).", view), null);
        }

        return (new CommandResult(CommandDisposition.Accepted, "Ready for a decision.", view), run.Case.Supervisor);
    }

    /// <summary>Records the supervisor's decision (POST of the decision form). Single use per token.</summary>
    public async Task<CommandResult> DecideAsync(string token, DecisionChoice choice, string? note, CancellationToken cancellationToken)
    {
        var info = tokens.Read(token);
        var (check, supervisor) = await CheckDecisionAsync(info, cancellationToken);
        if (check.Disposition != CommandDisposition.Accepted)
        {
            return check;
        }

        if (!await ledger.TryConsumeAsync(info.TokenId!, info.CaseId!, cancellationToken))
        {
            return new CommandResult(CommandDisposition.Conflict, "This decision link was already used.", check.Case);
        }

        var trimmed = note is null ? null : note.Length > 1000 ? note[..1000] : note;
        await client.RaiseEventAsync(info.CaseId!, WorkflowEvents.SupervisorDecision, new SupervisorDecision(choice, trimmed, supervisor!.Name, info.TokenId!, time.GetUtcNow().UtcDateTime), cancellationToken);
        logger.LogInformation("Case {CaseId}: supervisor decision {Choice} recorded", info.CaseId, choice);
        return new CommandResult(CommandDisposition.Accepted, "Decision recorded.", check.Case);
    }

    private async Task<StartResult?> CompareExistingAsync(string caseId, string fingerprint, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(caseId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var run = instance.ReadInputAs<CaseRun>();
        return string.Equals(run?.Case.Fingerprint, fingerprint, StringComparison.Ordinal)
            ? new StartResult(StartDisposition.Existing, caseId, CaseView.From(instance))
            : new StartResult(StartDisposition.Conflict, caseId, null, null, $"Case {caseId} already exists with different details. Use a new caseId, or resend the identical request.");
    }

    private CaseInput BuildInput(CaseIntakeRequest request, string caseId, string fingerprint, string source)
    {
        var cm = request.CaseManager!;
        var c = request.Client!;
        var ssn = Ssn.Normalize(c.Ssn)!;
        var officeCode = cm.Office!.Trim();
        var office = FindOffice(officeCode)!;
        var esc = escalation.CurrentValue;
        return new CaseInput(
            caseId,
            new CaseManagerInfo(cm.Name!.Trim(), cm.Email!.Trim(), officeCode.ToLowerInvariant()),
            new ClientInfo(
                c.FirstName!.Trim(),
                c.LastName!.Trim(),
                IntakeValidator.NormalizePhone(c.Phone)!,
                string.IsNullOrWhiteSpace(c.Email) ? null : c.Email.Trim(),
                c.HasWorkSourceAccount,
                ssn[^4..],
                protector.Protect(ssn, caseId)),
            request.Reason!.Trim(),
            new Contact(office.SupervisorName, office.SupervisorEmail),
            new Contact(esc.ContactName, esc.ContactEmail),
            time.GetUtcNow().UtcDateTime,
            fingerprint,
            source,
            workflow.CurrentValue.ToPolicy());
    }

    private OfficeOptions? FindOffice(string code)
    {
        foreach (var (key, value) in offices.CurrentValue)
        {
            if (string.Equals(string.IsNullOrWhiteSpace(value.Code) ? key : value.Code, code, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static string Canonical(CaseIntakeRequest r) => JsonSerializer.Serialize(new
    {
        cm = new { name = r.CaseManager!.Name!.Trim(), email = r.CaseManager.Email!.Trim().ToUpperInvariant(), office = r.CaseManager.Office!.Trim().ToUpperInvariant() },
        client = new
        {
            first = r.Client!.FirstName!.Trim(),
            last = r.Client.LastName!.Trim(),
            phone = IntakeValidator.NormalizePhone(r.Client.Phone),
            email = r.Client.Email?.Trim().ToUpperInvariant(),
            ssn = Ssn.Normalize(r.Client.Ssn),
            account = r.Client.HasWorkSourceAccount,
        },
        reason = r.Reason!.Trim(),
    });

    private string NewCaseId() =>
        $"case-{time.GetUtcNow():yyyyMMdd}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant()}";

    private static CaseView ViewOf(string caseId, CaseStatus status) => new(
        caseId, status.Stage.ToString(), nameof(OrchestrationRuntimeStatus.Pending), null, null, status.ClientName, status.SsnMasked, status.Office, status.CaseManager,
        status.ReceivedAt, status.UpdatedAt, null, 0, false, null, null, status.Timeline.Select(t => new TimelineView(t.At, t.Step, t.Detail)).ToList());
}
