using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.DecideCase;

namespace OptOut.Notifications.Tests;

/// <summary>One workflow host (in-process durable engine) shared by the decision command tests; each test uses its own case.</summary>
public sealed class DecisionHostFixture : EngineFixture
{
    // Cases must stay waiting for the supervisor while a test runs.
    protected override void Settings(Dictionary<string, string?> settings) =>
        settings.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(3), deadline: TimeSpan.FromMinutes(5));
}

/// <summary>The decision link through <see cref="DecideCaseHandler"/>: single use, bound to the case's supervisor, expiry, tampering.</summary>
public sealed class DecisionCommandTests(DecisionHostFixture fixture) : IClassFixture<DecisionHostFixture>
{
    private WorkflowTestHost Host => fixture.Host;

    private DecisionTokens Tokens => Host.Services.GetRequiredService<DecisionTokens>();

    [Fact]
    public async Task The_same_link_decides_once_then_answers_conflict()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "reuse-1");

        var first = await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, "Client keeps opt-out.", CancellationToken.None);
        var second = await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, "Changed my mind.", CancellationToken.None);

        Assert.Equal(CommandDisposition.Accepted, first.Disposition);
        Assert.Equal(CommandDisposition.Conflict, second.Disposition);
        var closed = await Host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.RemainsOptedOut), closed.Outcome);
        Assert.Equal(SupervisorDecision.RemainOptedOutValue, closed.Decision);

        var third = await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, CancellationToken.None);
        Assert.Equal(CommandDisposition.Conflict, third.Disposition);
        Assert.Equal(CommandDisposition.Conflict, (await Host.Decide.InspectAsync(token, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task A_second_link_for_a_decided_case_is_refused_too()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "reuse-2");
        var another = Tokens.Create(caseId, "pat.supervisor@example.org");

        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, null, CancellationToken.None)).Disposition);
        await Host.WaitForClosedAsync(caseId);

        Assert.Equal(CommandDisposition.Conflict, (await Host.Decide.DecideAsync(another, DecisionChoice.OptedIn, null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task A_link_for_another_supervisor_is_forbidden_and_changes_nothing()
    {
        var (caseId, _) = await WaitingCaseAsync("S-1006", "wrong-supervisor-1");
        var token = Tokens.Create(caseId, "robin.supervisor@example.org");

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.InspectAsync(token, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(token, DecisionChoice.RemainOptedOut, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task A_link_made_for_another_case_is_forbidden_on_this_one()
    {
        // Case A is at port-angeles (supervisor Pat), case B at bremerton (supervisor Robin). A link that names case B but
        // was issued to Pat (the supervisor of case A) cannot decide case B.
        var (caseA, tokenA) = await WaitingCaseAsync("S-1006", "wrong-case-a");
        var (caseB, _) = await WaitingCaseAsync("S-1006", "wrong-case-b", office: "bremerton");
        Assert.Equal(caseA, Tokens.Read(tokenA).CaseId);
        var crossed = Tokens.Create(caseB, "pat.supervisor@example.org");

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(crossed, DecisionChoice.RemainOptedOut, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseB);
        await AssertStillWaitingAsync(caseA);
    }

    [Fact]
    public async Task A_link_for_an_unknown_case_is_not_found()
    {
        var token = Tokens.Create("no-such-case", "pat.supervisor@example.org");
        Assert.Equal(CommandDisposition.NotFound, (await Host.Decide.DecideAsync(token, DecisionChoice.OptedIn, null, CancellationToken.None)).Disposition);
    }

    [Fact]
    public async Task An_expired_link_is_gone_and_changes_nothing()
    {
        var (caseId, _) = await WaitingCaseAsync("S-1006", "expired-1");
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var expired = TestCases.Tokens(past).Create(caseId, "pat.supervisor@example.org"); // same signing key, issued two hours ago, 1 h lifetime

        Assert.Equal(TokenState.Expired, Tokens.Read(expired).State);
        Assert.Equal(CommandDisposition.Gone, (await Host.Decide.InspectAsync(expired, CancellationToken.None)).Disposition);
        Assert.Equal(CommandDisposition.Gone, (await Host.Decide.DecideAsync(expired, DecisionChoice.RemainOptedOut, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task A_tampered_link_is_forbidden_and_changes_nothing()
    {
        var (caseId, token) = await WaitingCaseAsync("S-1006", "tampered-1");
        var tampered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');

        Assert.Equal(CommandDisposition.Forbidden, (await Host.Decide.DecideAsync(tampered, DecisionChoice.RemainOptedOut, null, CancellationToken.None)).Disposition);
        await AssertStillWaitingAsync(caseId);
        Assert.Equal(CommandDisposition.Accepted, (await Host.Decide.InspectAsync(token, CancellationToken.None)).Disposition); // the real link still works
    }

    private async Task<(string CaseId, string Token)> WaitingCaseAsync(string seeker, string caseId, string office = "port-angeles")
    {
        await Host.StartAsync(Requests.For(seeker, caseId, office));
        await Host.WaitForSupervisorEmailedAsync(caseId);
        var email = Assert.Single(Host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1");
        var token = email.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        return (caseId, token);
    }

    private async Task AssertStillWaitingAsync(string caseId)
    {
        var view = await Host.Get.HandleAsync(caseId, CancellationToken.None);
        Assert.NotNull(view);
        Assert.Equal(nameof(CaseStage.AwaitingSupervisor), view.Stage);
        Assert.Null(view.Decision);
        Assert.False(view.IsClosed);
    }
}
