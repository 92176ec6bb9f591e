using OptOut.Workflow.Access;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using OptOut.Testing;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Orchestration;
using OptOut.Workflow.Protection;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Tests.UseCases;

/// <summary>
/// The start's corner cases around the shared case-id registry, on a substitute engine: a claim taken over from an
/// instance that had in fact started the case finds the case (and does not give the id away); a failed start gives
/// the id back so that a resend can start it.
/// </summary>
public sealed class StartCaseClaimTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly DurableTaskClient _client = Substitute.For<DurableTaskClient>("claims");
    private readonly ICaseIdRegistry _registry = Substitute.For<ICaseIdRegistry>();
    private readonly CaseIntakeRequest _request = Requests.For("S-1005", "claim-1");

    public StartCaseClaimTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TestSettings.Defaults()).Build();
        _services = new ServiceCollection().AddLogging().AddOptOutWorkflow(configuration).AddSingleton(_registry).BuildServiceProvider();
        _registry.ClaimAsync("claim-1", Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(CaseIdClaim.Claimed);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_start_refused_by_the_engine_for_a_case_that_exists_answers_with_that_case_and_keeps_the_claim()
    {
        // Nothing there when first asked; then the engine refuses the start because the case exists (started by the
        // claim's first owner), and it is there when asked again.
        _client.GetInstanceAsync("claim-1", true, Arg.Any<CancellationToken>()).Returns(null, Existing());
        _client.ScheduleNewOrchestrationInstanceAsync(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<StartOrchestrationOptions?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new InvalidOperationException("An orchestration with this instance ID already exists."));

        var result = await Handler().HandleAsync(Caller.System, _request, "test", CancellationToken.None);

        Assert.Equal(StartDisposition.Existing, result.Disposition);
        await _registry.DidNotReceive().ReleaseAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        await _registry.Received(1).MarkStartedAsync("claim-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_start_that_fails_gives_the_id_back_and_the_caller_sees_the_failure()
    {
        _client.GetInstanceAsync("claim-1", true, Arg.Any<CancellationToken>()).Returns((OrchestrationMetadata?)null);
        _client.ScheduleNewOrchestrationInstanceAsync(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<StartOrchestrationOptions?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new TimeoutException("storage"));

        await Assert.ThrowsAsync<TimeoutException>(() => Handler().HandleAsync(Caller.System, _request, "test", CancellationToken.None));

        await _registry.Received(1).ReleaseAsync("claim-1", Arg.Any<CancellationToken>());
        await _registry.DidNotReceive().MarkStartedAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    private StartCaseHandler Handler() => _services.CreateWithClient<StartCaseHandler>(_client);

    /// <summary>The case as the engine holds it: its input carries the request's keyed fingerprint.</summary>
    private OrchestrationMetadata Existing()
    {
        var intake = IntakeValidator.Parse(_request, _services.GetRequiredService<OfficeDirectory>()).Value!;
        var fingerprint = _services.GetRequiredService<SsnProtector>().Fingerprint(intake.Canonical());
        var input = JsonSerializer.Serialize(new { Case = new { CaseId = "claim-1", Fingerprint = fingerprint } });
        return new OrchestrationMetadata(WorkflowNames.Orchestrator, "claim-1") { RuntimeStatus = OrchestrationRuntimeStatus.Running, SerializedInput = input, DataConverter = JsonDataConverter.Default };
    }
}
