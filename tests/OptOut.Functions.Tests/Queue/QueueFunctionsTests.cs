using OptOut.Workflow.Access;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using OptOut.Testing;
using OptOut.Workflow.Cases;

namespace OptOut.Functions.Tests.Queue;

/// <summary>IntakeFromQueue itself: null (nothing to the rejected queue) for a started case, the rejection JSON otherwise.</summary>
public sealed class QueueFunctionsTests : EngineFixture
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private async Task<string?> RunAsync(string message)
    {
        var functions = new QueueFunctions(Host.Services, NullLogger<QueueFunctions>.Instance);
        var context = Substitute.For<FunctionContext>();
        context.CancellationToken.Returns(CancellationToken.None);
        return await functions.IntakeFromQueue(message, Host.Client, context);
    }

    [Fact]
    public async Task A_valid_message_starts_the_case_and_returns_null_and_a_duplicate_also_returns_null()
    {
        var message = JsonSerializer.Serialize(Requests.For("S-1001", "fn-queue-1"), Web);
        Assert.Null(await RunAsync(message));
        var closed = await Host.WaitForClosedAsync("fn-queue-1");
        Assert.Equal(nameof(CaseOutcome.AlreadyInOffice), closed.Outcome);
        Assert.Null(await RunAsync(message));
    }

    [Theory]
    [InlineData("{\"caseId\":\"fn-bad-json\",\"client\":{\"ssn\":\"521-11-0005\"", "not valid JSON")]
    [InlineData("", "empty")]
    [InlineData("[]", "not valid JSON")]
    public async Task An_unreadable_message_returns_the_rejection_with_the_ssn_masked(string message, string reasonPart)
    {
        var json = await RunAsync(message);
        Assert.NotNull(json);
        using var doc = JsonDocument.Parse(json);
        Assert.Contains(reasonPart, doc.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("521-11-0005", json, StringComparison.Ordinal);
        Assert.DoesNotContain("521110005", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_fields_and_a_conflicting_duplicate_return_rejections()
    {
        var invalid = Requests.For("S-1005", "fn-invalid-1");
        invalid.Client!.Ssn = "900-11-0005";
        var json = await RunAsync(JsonSerializer.Serialize(invalid, Web));
        using (var doc = JsonDocument.Parse(json!))
        {
            Assert.Equal("fn-invalid-1", doc.RootElement.GetProperty("caseId").GetString());
            Assert.True(doc.RootElement.GetProperty("errors").TryGetProperty("client.ssn", out _));
            Assert.Contains("***-**-0005", doc.RootElement.GetProperty("originalMessage").GetString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("900-11-0005", json, StringComparison.Ordinal);
        Assert.Null(await Host.Get.HandleAsync(Caller.System, "fn-invalid-1", CancellationToken.None));

        Assert.Null(await RunAsync(JsonSerializer.Serialize(Requests.For("S-1002", "fn-conflict-1"), Web)));
        var conflict = await RunAsync(JsonSerializer.Serialize(Requests.For("S-1006", "fn-conflict-1"), Web));
        using var conflictDoc = JsonDocument.Parse(conflict!);
        Assert.Contains("already exists", conflictDoc.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("521110006", conflict, StringComparison.Ordinal);
        Assert.DoesNotContain("521-11-0006", conflict, StringComparison.Ordinal);
    }
}
