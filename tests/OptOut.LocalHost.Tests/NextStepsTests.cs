using OptOut.Api.Portal;
using OptOut.Workflow.Cases;

namespace OptOut.LocalHost.Tests;

/// <summary>The case page's "what to do next" when the wait's email to the client failed for good (orchestrator version 3).</summary>
public sealed class NextStepsTests
{
    [Theory]
    [InlineData(CaseStage.AwaitingSupervisor, "ask them to call the supervisor")]
    [InlineData(CaseStage.AwaitingRegistration, "help them register at WorkSourceWA.com")]
    public void A_failed_client_email_asks_the_case_manager_to_contact_the_client(CaseStage stage, string advice)
    {
        var told = NextSteps.For(Waiting(stage));
        var notTold = NextSteps.For(Waiting(stage, new TimelineView(DateTime.UnixEpoch, TimelineSteps.ClientEmailFailed, "The client could not be emailed (SendGrid answered 503).")));

        Assert.DoesNotContain("could not be", told, StringComparison.Ordinal);
        Assert.StartsWith("The ", notTold, StringComparison.Ordinal);
        Assert.Contains("contact the client yourself", notTold, StringComparison.Ordinal);
        Assert.Contains(advice, notTold, StringComparison.Ordinal);
        Assert.EndsWith(told, notTold, StringComparison.Ordinal); // and still what the stage asks
    }

    [Fact]
    public void A_closed_case_is_advised_by_its_outcome_whatever_its_timeline_holds()
    {
        var closed = Waiting(CaseStage.Closed, new TimelineView(DateTime.UnixEpoch, TimelineSteps.ClientEmailFailed, "x")) with { Outcome = nameof(CaseOutcome.RemainsOptedOut), ClosedAt = DateTime.UnixEpoch };
        Assert.Equal(NextSteps.ForOutcome(CaseOutcome.RemainsOptedOut), NextSteps.For(closed));
    }

    private static CaseView Waiting(CaseStage stage, params TimelineView[] timeline) => new(
        "next-1", stage.ToString(), "Running", null, null, "Farid Staysout", "***-**-0006", "port-angeles", "Casey Manager",
        DateTime.UnixEpoch, DateTime.UnixEpoch, DateTime.UnixEpoch, 0, false, null, null, timeline);
}
