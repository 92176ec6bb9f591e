using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using OptOut.Infrastructure.Queues;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.LocalHost;

/// <summary>The local host's queue intake settings (section "LocalHost"). Off unless a connection string is set.</summary>
public sealed class IntakeQueueOptions
{
    /// <summary>Storage connection string (e.g. Azurite's). Empty: the poller is not started.</summary>
    public string? IntakeQueueConnection { get; set; }

    /// <summary>How long to wait before polling again when the queue was empty.</summary>
    public TimeSpan IntakeQueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a received message stays invisible while it is processed (host.json visibilityTimeout).</summary>
    public TimeSpan IntakeQueueVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a message that failed transiently waits before it is retried.</summary>
    public TimeSpan IntakeQueueRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>host.json maxDequeueCount: after this many failed attempts the message goes to optout-intake-poison.</summary>
    public int IntakeQueueMaxDequeueCount { get; set; } = QueueIntake.MaxDequeueCount;

    /// <summary>Messages received per poll (host.json batchSize; at most 32).</summary>
    public int IntakeQueueBatchSize { get; set; } = 16;
}

public static class IntakeQueuePollerRegistration
{
    /// <summary>Queue intake for the local host: polls optout-intake when LocalHost:IntakeQueueConnection is set.</summary>
    public static IServiceCollection AddIntakeQueuePoller(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IntakeQueueOptions>()
            .Bind(configuration.GetSection(LocalHostOptions.Section))
            .Validate(o => o.IntakeQueueMaxDequeueCount is >= 1 and <= 100, "LocalHost:IntakeQueueMaxDequeueCount must be 1-100.")
            .Validate(o => o.IntakeQueueBatchSize is >= 1 and <= 32, "LocalHost:IntakeQueueBatchSize must be 1-32.")
            .Validate(o => o.IntakeQueuePollInterval > TimeSpan.Zero && o.IntakeQueueVisibilityTimeout >= TimeSpan.FromSeconds(1) && o.IntakeQueueRetryDelay >= TimeSpan.Zero, "LocalHost:IntakeQueue* intervals must be positive.")
            .ValidateOnStart();
        services.AddHostedService<IntakeQueuePoller>();
        return services;
    }
}

/// <summary>
/// The local host's stand-in for the Functions queue trigger IntakeFromQueue, with the same semantics (host.json:
/// messageEncoding none, maxDequeueCount 5, visibilityTimeout 30 s):
/// <list type="bullet">
/// <item>each message on optout-intake goes through <see cref="QueueIntake.ProcessAsync(string, StartCaseHandler, CancellationToken)"/>;</item>
/// <item>a case started (or an identical duplicate) → the message is deleted;</item>
/// <item>a message that can never be valid → its rejection (reason, field errors, masked original) is put on
/// optout-intake-rejected, then the message is deleted;</item>
/// <item>a transient failure → the message becomes visible again after a delay; once it has been dequeued
/// <see cref="IntakeQueueOptions.IntakeQueueMaxDequeueCount"/> times it is copied unchanged to optout-intake-poison and deleted.</item>
/// </list>
/// Queues are created when missing. Nothing is deleted before its outcome is stored, so a crash can only repeat work
/// (which the idempotent start absorbs), never lose a case. See docs/intake.md.
/// </summary>
internal sealed class IntakeQueuePoller(
    IServiceProvider services,
    IOptions<IntakeQueueOptions> options,
    TimeProvider time,
    ILogger<IntakeQueuePoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.IntakeQueueConnection))
        {
            return;
        }

        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var intake = new QueueClient(o.IntakeQueueConnection, QueueIntake.IntakeQueue, clientOptions);
        var rejected = new QueueClient(o.IntakeQueueConnection, QueueIntake.RejectedQueue, clientOptions);
        var poison = new QueueClient(o.IntakeQueueConnection, QueueIntake.PoisonQueue, clientOptions);
        var sweeper = new PoisonQueueSweeper(new QueueServiceClient(o.IntakeQueueConnection, clientOptions), time, TimeSpan.FromDays(7), services.GetRequiredService<ILogger<PoisonQueueSweeper>>());
        var ready = false;
        Log.QueuePollingStarted(logger, intake.Name);

        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = o.IntakeQueuePollInterval;
            try
            {
                if (!ready)
                {
                    await intake.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await rejected.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    ready = true;
                }

                QueueMessage[] messages = await intake.ReceiveMessagesAsync(o.IntakeQueueBatchSize, o.IntakeQueueVisibilityTimeout, stoppingToken);
                foreach (var message in messages)
                {
                    await HandleAsync(message, intake, rejected, poison, o, stoppingToken);
                }

                if (messages.Length > 0)
                {
                    delay = TimeSpan.Zero; // there may be more: poll again at once
                }
                else
                {
                    // Quiet: what went to the poison queue leaves it with its SSN masked (as the Functions app's sweep).
                    await sweeper.SweepAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Storage unreachable or similar: keep polling; received messages reappear after their visibility timeout.
                ready = false;
                Log.QueuePollFailed(logger, e);
                delay = o.IntakeQueueRetryDelay > delay ? o.IntakeQueueRetryDelay : delay;
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One message, exactly like the Functions queue trigger plus [QueueOutput] to the rejected queue.</summary>
    internal async Task HandleAsync(QueueMessage message, QueueClient intake, QueueClient rejected, QueueClient poison, IntakeQueueOptions o, CancellationToken cancellationToken)
    {
        // Dequeued more often than allowed (e.g. the process died mid-way each time): straight to poison.
        if (message.DequeueCount > o.IntakeQueueMaxDequeueCount)
        {
            await MoveToPoisonAsync(message, intake, poison, cancellationToken);
            return;
        }

        try
        {
            var cases = services.GetRequiredService<StartCaseHandler>();
            var outcome = await QueueIntake.ProcessAsync(message.Body.ToString(), cases, time, cancellationToken);
            if (outcome.Rejection is not null)
            {
                await rejected.SendMessageAsync(outcome.Rejection.ToJson(), cancellationToken);
                Log.QueueMessageRejected(logger, message.MessageId, outcome.Rejection.Reason);
            }
            else
            {
                Log.QueueMessageAccepted(logger, message.MessageId, outcome.CaseId, outcome.Disposition);
            }

            await intake.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.DequeueCount >= o.IntakeQueueMaxDequeueCount)
            {
                Log.QueueMessageGivingUp(logger, e, message.MessageId, message.DequeueCount);
                await MoveToPoisonAsync(message, intake, poison, cancellationToken);
                return;
            }

            Log.QueueMessageRetrying(logger, e, message.MessageId, message.DequeueCount, o.IntakeQueueMaxDequeueCount);
            try
            {
                await intake.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: o.IntakeQueueRetryDelay, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException)
            {
                // The pop receipt expired: the message reappears by itself after its visibility timeout.
            }
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, QueueClient intake, QueueClient poison, CancellationToken cancellationToken)
    {
        await poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
        await intake.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        Log.QueueMessagePoisoned(logger, message.MessageId, message.DequeueCount, poison.Name);
    }
}
