using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Notifications;

/// <summary>Renders and sends one email for the case. Skips recipients who have no address (clients may have none).</summary>
public sealed class SendNotificationActivity(EmailTemplates templates, INotifier notifier, ILogger<SendNotificationActivity> logger)
    : TaskActivity<NotificationRequest, NotificationReceipt>
{
    public override async Task<NotificationReceipt> RunAsync(TaskActivityContext context, NotificationRequest input)
    {
        using var span = WorkflowTelemetry.StartStep($"Email {input.Kind}", input.Case.CaseId, System.Diagnostics.ActivityKind.Client);
        var message = templates.Render(input);
        if (string.IsNullOrWhiteSpace(message.To.Email))
        {
            Log.EmailSkippedNoAddress(logger, input.Case.CaseId, input.Kind);
            return new NotificationReceipt(input.MessageKey, "", false);
        }

        var sent = await notifier.SendAsync(message, CancellationToken.None);
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
}
