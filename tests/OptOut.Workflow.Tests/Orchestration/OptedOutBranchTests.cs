using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>Branches 5-8 of 5212PRO on the in-process durable engine: real timers, real events, real replay.</summary>
public sealed class OptedOutBranchTests : IAsyncLifetime
{
    private WorkflowTestHost _host = null!;

    public async Task InitializeAsync() => _host = await WorkflowTestHost.StartAsync(s => s["Workflow:ReminderInterval"] = "00:01:00");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Opted_out_client_who_opts_in_is_verified_added_to_office_and_case_manager_told()
    {
        var caseId = await _host.StartAsync(Requests.For("S-1005", "optin-1"));
        var waiting = await _host.WaitForStageAsync(caseId, CaseStage.AwaitingSupervisor);
        Assert.Contains(waiting.Timeline, t => t.Step == "Supervisor emailed");
        var request = Assert.Single(_host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1");
        Assert.Equal("pat.supervisor@example.org", request.Message.To.Email);
        Assert.Contains("Elena Optout", request.Message.TextBody, StringComparison.Ordinal);
        Assert.Contains("360-555-0105", request.Message.TextBody, StringComparison.Ordinal);

        _host.Mis.OptIn("S-1005");
        var token = request.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        var decided = await _host.Cases.DecideAsync(token, DecisionChoice.OptedIn, "Called the client.", CancellationToken.None);
        Assert.Equal(Intake.CommandDisposition.Accepted, decided.Disposition);

        var closed = await _host.WaitForClosedAsync(caseId);
        Assert.Equal(nameof(CaseOutcome.OptedInAndAdded), closed.Outcome);
        Assert.Contains("port-angeles", _host.Mis.Find("S-1005")!.Offices);
        Assert.Contains(_host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.CaseManagerOutcome}:1" && m.Message.Subject.Contains("opted in", StringComparison.Ordinal));
    }
}
