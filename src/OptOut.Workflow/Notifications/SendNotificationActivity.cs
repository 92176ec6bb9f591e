using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Notifications;

/// <summary>Renders and sends one email for the case. Skips recipients who have no address (clients may have none).</summary>
public sealed class SendNotificationActivity(EmailTemplates templates, INotifier notifier, TimeProvider time, ILogger<SendNotificationActivity> logger)
    : TaskActivity<NotificationRequest, NotificationReceipt>
{
    /// <summary>
    /// The longest this activity waits for another sender's hold on the key (<see cref="NotifierBusyException"/>) before
    /// it fails and leaves the rest to the Durable retry. Covers the production email lease (60 s) with room to spare.
    /// </summary>
    public static readonly TimeSpan MaxBusyWait = TimeSpan.FromMinutes(2);

    public override async Task<NotificationReceipt> RunAsync(TaskActivityContext context, NotificationRequest input)
    {
        using var span = WorkflowTelemetry.StartStep($"Email {input.Kind}", input.Case.CaseId, System.Diagnostics.ActivityKind.Client);
        var message = templates.Render(input);
        if (string.IsNullOrWhiteSpace(message.To.Email))
        {
            Log.EmailSkippedNoAddress(logger, input.Case.CaseId, input.Kind);
            return new NotificationReceipt(input.MessageKey, "", false);
        }

        var sent = await SendWaitingOutHoldsAsync(message);
        if (sent)
        {
            Count(input);
        }

        Log.EmailSent(logger, input.Case.CaseId, input.Kind, sent ? "sent" : "already sent");
        return new NotificationReceipt(input.MessageKey, message.To.Email, sent);
    }

    private static void Count(NotificationRequest input)
    {
        // Cases closed are counted by the orchestrator when it closes them, whether or not this email goes out.
        switch (input.Kind)
        {
            case NotificationKind.SupervisorReminder:
                WorkflowTelemetry.RemindersSent.Add(1);
                break;
            case NotificationKind.SupervisorEscalation:
                WorkflowTelemetry.Escalations.Add(1, new KeyValuePair<string, object?>("kind", "workflow"));
                break;
        }
    }

    /// <summary>
    /// Sends; when another sender holds the key (an instance sending it, or one that died mid-send), waits until its hold
    /// ends and asks again — at most twice and <see cref="MaxBusyWait"/> in all — instead of spending the activity's
    /// retries, which may be shorter than the hold.
    /// </summary>
    private async Task<bool> SendWaitingOutHoldsAsync(EmailMessage message)
    {
        var giveUpAt = time.GetUtcNow() + MaxBusyWait;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await notifier.SendAsync(message, CancellationToken.None);
            }
            catch (NotifierBusyException busy) when (attempt < 2 && busy.RetryAt <= giveUpAt)
            {
                var wait = busy.RetryAt - time.GetUtcNow() + TimeSpan.FromMilliseconds(250);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time);
                }
            }
        }
    }
}
