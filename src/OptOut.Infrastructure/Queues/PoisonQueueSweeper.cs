using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Intake;

namespace OptOut.Infrastructure.Queues;

/// <summary>
/// Empties optout-intake-poison into optout-intake-rejected. The Functions host (and the local poller) move a message
/// that kept failing to the poison queue as it was sent, SSN in clear; the sweeper rewrites each as a rejection with the
/// SSN masked and deletes the original, so the clear SSN stays in storage only until the next sweep (minutes), and the
/// rejected queue's messages expire after <paramref name="rejectedTimeToLive"/>.
/// </summary>
public sealed class PoisonQueueSweeper(QueueServiceClient queues, TimeProvider time, TimeSpan rejectedTimeToLive, ILogger<PoisonQueueSweeper> logger)
{
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var poison = queues.GetQueueClient(QueueIntake.PoisonQueue);
        if (!await poison.ExistsAsync(cancellationToken))
        {
            return 0;
        }

        var rejected = queues.GetQueueClient(QueueIntake.RejectedQueue);
        await rejected.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var moved = 0;
        while (true)
        {
            var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), cancellationToken)).Value;
            if (batch.Length == 0)
            {
                return moved;
            }

            foreach (var message in batch)
            {
                var rejection = QueueIntake.Poisoned(message.Body.ToString(), message.DequeueCount, time.GetUtcNow());
                await rejected.SendMessageAsync(rejection.ToJson(), timeToLive: rejectedTimeToLive, cancellationToken: cancellationToken);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                Log.PoisonMessageMasked(logger, rejection.CaseId);
                moved++;
            }
        }
    }
}
