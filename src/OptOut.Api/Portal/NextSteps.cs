using OptOut.Workflow.Cases;

namespace OptOut.Api.Portal;

/// <summary>
/// "What to do next" on a case page: what 5212PRO asks of the case manager at the case's stage, or after its outcome
/// (docs/procedure.md, docs/portal.md). The outcome emails say the same in their own words.
/// </summary>
public static class NextSteps
{
    public static string For(CaseView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.IsClosed)
        {
            return Enum.TryParse<CaseOutcome>(view.Outcome, out var outcome) ? ForOutcome(outcome) : "The case is closed.";
        }

        if (!Enum.TryParse<CaseStage>(view.Stage, out var stage))
        {
            return Working;
        }

        // A client email that failed for good (the case waits on): the case manager tells the client instead.
        var clientNotEmailed = view.Timeline.Any(t => t.Step == TimelineSteps.ClientEmailFailed);
        return (stage, clientNotEmailed) switch
        {
            (CaseStage.AwaitingSupervisor, true) =>
                "The email asking the client to call the ESD WIOA supervisor could not be sent (see the timeline): contact the client " +
                "yourself and ask them to call the supervisor. " + ForStage(stage),
            (CaseStage.AwaitingRegistration, true) =>
                "The registration instructions could not be emailed to the client (see the timeline): contact the client yourself and " +
                "help them register at WorkSourceWA.com, choosing Opt-In. " + ForStage(stage),
            _ => ForStage(stage),
        };
    }

    private const string Working =
        "The automation is working on this step (searching MIS, adding the client to your office or checking the Opt-Out Lookup). " +
        "Nothing to do yet: this page updates by itself, and you will be emailed when the case needs you or ends.";

    public static string ForStage(CaseStage stage) => stage switch
    {
        CaseStage.AwaitingSupervisor =>
            "The client has opted out of sharing their data with partners. The office's ESD WIOA supervisor was emailed your request, " +
            "and the client was asked to call that supervisor (by email when you gave the client's email; otherwise the email to you " +
            "asks you to pass the supervisor's contact on to the client). Nothing to do until the supervisor records the client's " +
            "decision: you will be emailed the outcome. Reminders and escalation are automatic.",
        CaseStage.AwaitingRegistration =>
            "The client has no WorkSourceWA account. They were emailed registration instructions when you gave their email; otherwise " +
            "help them register at WorkSourceWA.com and choose Opt-In for data sharing. MIS is re-checked automatically and the client " +
            "is added to your office as soon as they appear.",
        CaseStage.Closed => "The case is closed.",
        CaseStage.Received or CaseStage.SearchingOffice or CaseStage.SearchingStatewide or CaseStage.AddingToOffice
            or CaseStage.CheckingOptOut or CaseStage.VerifyingOptIn => Working,
    };

    public static string ForOutcome(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.AlreadyInOffice =>
            "The client is already in your office in MIS. Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.AddedFromStatewide =>
            "The client was found statewide and added to your office (Add Seeker to Office). Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.RegisteredAndAdded =>
            "The client completed their WorkSourceWA registration and was added to your office. Contact the client and proceed with program information and/or enrollment.",
        CaseOutcome.OptedInAndAdded =>
            "The client opted in to data sharing and was added to your office. Contact the client and enroll them in WIOA.",
        CaseOutcome.RemainsOptedOut =>
            "The client chose to remain opted out. The ESD WIOA supervisor offered them an ESD WIOA staff member, who serves them. " +
            "Do not enroll the client: you will not have access to their MIS record.",
        CaseOutcome.NotOptedOutNeedsReview =>
            "The Opt-Out Lookup shows the client has not opted out, yet MIS does not find them by name and phone. Check the spelling, " +
            "any former names and the phone number with the client and in MIS (Quick Search), then open a new case with the corrected details.",
        CaseOutcome.RegistrationNotCompleted =>
            "The client did not appear in MIS before the registration deadline. Contact the client, help them register a WorkSourceWA " +
            "account (choosing Opt-In), then open a new case.",
        CaseOutcome.NoSupervisorResponse =>
            "The ESD WIOA supervisor did not record a decision before the deadline, despite reminders and escalation. Follow up with ESD " +
            "directly before opening a new case; do not enroll the client until they are in your office.",
        CaseOutcome.Withdrawn =>
            "The case was withdrawn; nothing more happens and no further emails are sent. Open a new case if the client still needs to be added to your office.",
        CaseOutcome.Failed =>
            "The automation could not finish this case (the detail above says where it stopped); operations were alerted. Do not open a " +
            "duplicate case: contact your program manager, who follows up with the administrator.",
    };
}
