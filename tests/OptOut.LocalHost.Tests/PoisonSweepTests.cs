using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging.Abstractions;
using OptOut.Infrastructure.Queues;
using OptOut.Testing;
using OptOut.Workflow.Intake;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The host moves a message that kept failing to optout-intake-poison as it was sent, SSN in clear. The sweep (a timer
/// in the Functions app, the quiet moments of the local poller) turns each into a masked rejection and deletes it.
/// </summary>
public sealed class PoisonSweepTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_poison_message_leaves_the_poison_queue_as_a_rejection_without_the_clear_ssn()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var queues = new QueueServiceClient(azurite.ConnectionString, options);
        var poison = queues.GetQueueClient(QueueIntake.PoisonQueue);
        await poison.CreateIfNotExistsAsync();
        var body = """{"caseId":"poisoned-1","client":{"firstName":"Elena","ssn":"521-11-0005"},"reason":"call 521110005"}""";
        await poison.SendMessageAsync(body);

        var moved = await new PoisonQueueSweeper(queues, TimeProvider.System, TimeSpan.FromDays(7), NullLogger<PoisonQueueSweeper>.Instance).SweepAsync(CancellationToken.None);

        Assert.Equal(1, moved);
        Assert.Empty((PeekedMessage[])await poison.PeekMessagesAsync(10));
        var rejected = Assert.Single((PeekedMessage[])await queues.GetQueueClient(QueueIntake.RejectedQueue).PeekMessagesAsync(10));
        var text = rejected.Body.ToString();
        Assert.DoesNotContain("521-11-0005", text, StringComparison.Ordinal);
        Assert.DoesNotContain("521110005", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("poisoned-1", doc.RootElement.GetProperty("caseId").GetString());
        Assert.Contains("transient", doc.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("***-**-0005", doc.RootElement.GetProperty("originalMessage").GetString(), StringComparison.Ordinal);
        Assert.True(rejected.ExpiresOn - rejected.InsertedOn <= TimeSpan.FromDays(7.01));
    }
}
