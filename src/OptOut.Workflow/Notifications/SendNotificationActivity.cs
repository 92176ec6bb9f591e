using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace OptOut.Workflow.Notifications;

/// <summary>Renders and sends one email for the case. Skips recipients who have no address (clients may have none).</summary>
public sealed class SendNotificationActivity(EmailTemplates templates, INotifier notifier, ILogger<SendNotificationActivity> logger)
    : TaskActivity<NotificationRequest, NotificationReceipt>
{
    public override async Task<NotificationReceipt> RunAsync(TaskActivityContext context, NotificationRequest input)
    {
        var message = templates.Render(input);
        if (string.IsNullOrWhiteSpace(message.To.Email))
        {
            logger.LogInformation("Case {CaseId}: {Kind} not sent, recipient has no email address", input.Case.CaseId, input.Kind);
            return new NotificationReceipt(input.MessageKey, "", false);
        }

        var sent = await notifier.SendAsync(message, CancellationToken.None);
        logger.LogInformation("Case {CaseId}: {Kind} email {Result}", input.Case.CaseId, input.Kind, sent ? "sent" : "already sent");
        return new NotificationReceipt(input.MessageKey, message.To.Email, sent);
    }
}
