using OptOut.Workflow.Access;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Testing;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Functions.Tests.Queue;

/// <summary>
/// A queue delivers a message at least once. A message without a caseId gets its id from its keyed fingerprint, so the
/// same message delivered twice finds its case instead of starting a second one.
/// </summary>
public sealed class QueueCaseIdTests : EngineFixture
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_same_message_without_a_case_id_delivered_twice_starts_one_case()
    {
        var request = Requests.For("S-1001", caseId: null);
        var message = JsonSerializer.Serialize(request, Web);
        var handler = Host.Services.CreateWithClient<StartCaseHandler>(Host.Client);

        var first = await QueueIntake.ProcessAsync(message, handler, CancellationToken.None);
        var again = await QueueIntake.ProcessAsync(message, handler, CancellationToken.None);

        Assert.Equal(StartDisposition.Created, first.Disposition);
        Assert.Equal(StartDisposition.Existing, again.Disposition);
        Assert.Equal(first.CaseId, again.CaseId);
        Assert.StartsWith("queue-", first.CaseId, StringComparison.Ordinal);
        var page = await Host.Services.CreateWithClient<ListCasesHandler>(Host.Client).HandleAsync(Caller.System, new CaseListQuery(null, null, null, null, 500), CancellationToken.None);
        Assert.Single(page.Items, c => c.ClientName == $"{request.Client!.FirstName} {request.Client.LastName}");
    }

    [Fact]
    public async Task Another_message_without_a_case_id_is_another_case_and_http_requests_without_one_get_random_ids()
    {
        var handler = Host.Services.CreateWithClient<StartCaseHandler>(Host.Client);
        var a = await QueueIntake.ProcessAsync(JsonSerializer.Serialize(Requests.For("S-1001", caseId: null), Web), handler, CancellationToken.None);
        var b = await QueueIntake.ProcessAsync(JsonSerializer.Serialize(Requests.For("S-1002", caseId: null), Web), handler, CancellationToken.None);
        Assert.NotEqual(a.CaseId, b.CaseId);

        var http1 = await handler.HandleAsync(Caller.System, Requests.For("S-1004", caseId: null), "http", CancellationToken.None);
        var http2 = await handler.HandleAsync(Caller.System, Requests.For("S-1004", caseId: null), "http", CancellationToken.None);
        Assert.StartsWith("case-", http1.CaseId, StringComparison.Ordinal);
        Assert.NotEqual(http1.CaseId, http2.CaseId);
    }
}
