using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OptOut.Workflow.Telemetry;

/// <summary>
/// Traces and metrics of the workflow. Counters are incremented outside the orchestrator (client calls and activities),
/// so replays never double-count. Tags carry the case id and outcome — never PII.
/// </summary>
public static class WorkflowTelemetry
{
    public const string Name = "OptOut.Workflow";
    public const string CaseIdTag = "optout.case_id";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CasesStarted = Meter.CreateCounter<long>("optout.cases.started", description: "Cases accepted at intake, by source.");
    public static readonly Counter<long> CasesClosed = Meter.CreateCounter<long>("optout.cases.closed", description: "Cases closed, by outcome.");
    public static readonly Counter<long> RemindersSent = Meter.CreateCounter<long>("optout.reminders.sent", description: "Supervisor reminder emails sent.");
    public static readonly Counter<long> Escalations = Meter.CreateCounter<long>("optout.escalations", description: "Escalations: per-case (workflow) and per-digest (stale-case scan), by kind.");
    public static readonly Counter<long> IntakeRejected = Meter.CreateCounter<long>("optout.intake.rejected", description: "Intake requests or queue messages rejected, by source.");

    /// <summary>Recorded by every stale-case scan for every kind (zero included, so an alert on it resolves): tag <c>kind</c>.</summary>
    public static readonly Gauge<long> CasesStale = Meter.CreateGauge<long>("optout.cases.stale", unit: "{case}", description: "Cases needing attention at the last stale-case scan, by kind (AwaitingSupervisor, AwaitingRegistration, StuckInStep, NeverStarted, RuntimeFailed, Terminated).");

    /// <summary>Recorded by every stale-case scan for every stage (zero included): tag <c>stage</c>; Pending instances count as stage "Pending".</summary>
    public static readonly Gauge<long> CasesOpen = Meter.CreateGauge<long>("optout.cases.open", unit: "{case}", description: "Open cases at the last stale-case scan, by stage.");

    /// <summary>Recorded when a supervisor's decision is accepted: hours since the case started waiting on the supervisor; tag <c>decision</c>.</summary>
    public static readonly Histogram<double> DecisionWait = Meter.CreateHistogram<double>("optout.decision.wait", unit: "h", description: "Time from the supervisor request to the supervisor's decision, in hours.");

    /// <summary>Starts a span for one step of a case, tagged with the case id so a case's trace can be found end to end.</summary>
    public static Activity? StartStep(string step, string caseId, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = Source.StartActivity(step, kind);
        activity?.SetTag(CaseIdTag, caseId);
        return activity;
    }
}
