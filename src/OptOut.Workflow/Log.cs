using Microsoft.Extensions.Logging;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;

namespace OptOut.Workflow;

/// <summary>Every log message of this project, source-generated. Messages carry ids, kinds and counts, never a person's details or an SSN.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Purge: {Purged} closed case(s) created before {Cutoff:u} removed ({Failed} of them Failed or Terminated, stopped before {ListedBefore:u})")]
    public static partial void CasesPurged(ILogger logger, int purged, DateTimeOffset cutoff, int failed, DateTimeOffset listedBefore);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} closed with outcome {Outcome}")]
    public static partial void CaseClosed(ILogger logger, string caseId, CaseOutcome outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Case {CaseId}: outcome email to the case manager failed after retries")]
    public static partial void OutcomeEmailFailed(ILogger logger, string caseId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: MIS search {Scope} found={Found}")]
    public static partial void MisSearched(ILogger logger, string caseId, string scope, bool found);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: added seeker to office (already there: {Already})")]
    public static partial void SeekerAdded(ILogger logger, string caseId, bool already);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: opt-out lookup optedOut={OptedOut}")]
    public static partial void OptOutLookedUp(ILogger logger, string caseId, bool optedOut);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: {Kind} not sent, recipient has no email address")]
    public static partial void EmailSkippedNoAddress(ILogger logger, string caseId, NotificationKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: {Kind} email {Result}")]
    public static partial void EmailSent(ILogger logger, string caseId, NotificationKind kind, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stale-case scan {Date}: 0 case(s) need attention; {Scanned} open or failed case(s) scanned")]
    public static partial void NoStaleCases(ILogger logger, string date, int scanned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stale-case scan {Date}: case {CaseId} listed as {Kind} (stage {Stage}, since {Since:u})")]
    public static partial void StaleCaseListed(ILogger logger, string date, string caseId, OptOut.Workflow.Escalation.StaleKind kind, string stage, DateTime since);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stale-case scan {Date}: could not flag case {CaseId}")]
    public static partial void StaleFlagFailed(ILogger logger, Exception e, string date, string caseId);

    // The "Stale cases" alert (infra/modules/alerts.bicep) parses this message: keep its wording up to "need attention".
    [LoggerMessage(Level = LogLevel.Warning, Message = "Stale-case scan {Date}: {Stale} case(s) need attention: AwaitingSupervisor={AwaitingSupervisor} AwaitingRegistration={AwaitingRegistration} StuckInStep={StuckInStep} NeverStarted={NeverStarted} RuntimeFailed={RuntimeFailed} Terminated={Terminated}; {Scanned} open or failed case(s) scanned, {Flagged} flagged, digest sent={DigestSent}")]
    public static partial void StaleCasesFound(ILogger logger, string date, int stale, int awaitingSupervisor, int awaitingRegistration, int stuckInStep, int neverStarted, int runtimeFailed, int terminated, int scanned, int flagged, bool digestSent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} started from {Source}")]
    public static partial void CaseStarted(ILogger logger, string caseId, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: withdrawal requested by {Caller}")]
    public static partial void WithdrawalRequested(ILogger logger, string caseId, string caller);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId}: decision {Choice} recorded by the {Role}")]
    public static partial void DecisionRecorded(ILogger logger, string caseId, DecisionChoice choice, DecisionRole role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: the recorded decision could not be raised on the case; it stays pending and the next POST of a link raises it")]
    public static partial void DecisionRaiseFailed(ILogger logger, Exception e, string caseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: the decision record or the case could not be read or written")]
    public static partial void DecisionRecordUnavailable(ILogger logger, Exception e, string caseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId} started, but its case-id claim could not be marked started; a resend will find the case")]
    public static partial void CaseIdNotMarkedStarted(ILogger logger, Exception e, string caseId);
}
