using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using NSubstitute;
using OptOut.DevTools;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Orchestration;
using Microsoft.DurableTask.Converters;
using OptOut.Workflow.Access;
using OptOut.Workflow.UseCases.GetCase;

namespace OptOut.Workflow.Tests.UseCases;

/// <summary>
/// A case is its office's from the moment it is opened: before the engine has run its first step there is no custom
/// status, and the view takes the public part of the input (office, names, masked SSN) instead of showing no office,
/// which hid the case from its own case manager for a second or two.
/// </summary>
public sealed class CaseVisibleAtOnceTests
{
    [Fact]
    public async Task A_case_the_engine_has_not_run_yet_is_seen_by_its_office_and_not_by_another()
    {
        var input = new CaseInput(
            "fresh-case",
            new CaseManagerInfo("Casey Manager", "casey.manager@example.org", "port-angeles"),
            new ClientInfo("Elena", "Optout", "360-555-0105", null, null, "0005", "ssn.v2.1.encrypted-value"),
            "Wants training.",
            new Contact("Pat Supervisor", "pat.supervisor@example.org"),
            new Contact("Morgan Escalation", "morgan.escalation@example.org"),
            new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc),
            "fingerprint",
            "http",
            new WorkflowOptions().ToPolicy());
        var client = Substitute.For<DurableTaskClient>("test");
        var pending = new OrchestrationMetadata(WorkflowNames.Orchestrator, "fresh-case")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Pending,
            SerializedInput = JsonDataConverter.Default.Serialize(new CaseRun(input)),
            DataConverter = JsonDataConverter.Default,
        };
        client.GetInstanceAsync("fresh-case", true, Arg.Any<CancellationToken>()).Returns(pending);
        client.GetInstancesAsync("fresh-case", true, Arg.Any<CancellationToken>()).Returns(pending);
        var handler = new GetCaseHandler(client, new InMemoryCaseIdRegistry());
        var casey = Caller.Person("casey", "Casey Manager", "casey.manager@example.org", [AppRoles.CaseManager], ["port-angeles"]);
        var jordan = Caller.Person("jordan", "Jordan Manager", "jordan.manager@example.org", [AppRoles.CaseManager], ["bremerton"]);

        var view = await handler.HandleAsync(casey, "fresh-case", CancellationToken.None);

        Assert.NotNull(view);
        Assert.Equal(("port-angeles", "Received", "Pending", "***-**-0005", "Elena Optout"), (view.Office, view.Stage, view.Status, view.SsnMasked, view.ClientName));
        Assert.Equal("Received", Assert.Single(view.Timeline).Step);
        Assert.DoesNotContain("encrypted", JsonSerializer.Serialize(view), StringComparison.Ordinal);
        Assert.Null(await handler.HandleAsync(jordan, "fresh-case", CancellationToken.None));
    }
}
