using System.ComponentModel.DataAnnotations;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace OptOut.Workflow.Notifications;

/// <summary>The "SendGrid" settings section.</summary>
public sealed class SendGridOptions
{
    public const string Section = "SendGrid";

    /// <summary>Key Vault reference in Azure.</summary>
    [Required(ErrorMessage = "SendGrid:ApiKey is required (a Key Vault reference in Azure).")]
    public string ApiKey { get; set; } = "";

    [Required(ErrorMessage = "SendGrid:FromEmail is required."), EmailAddress]
    public string FromEmail { get; set; } = "";

    public string FromName { get; set; } = "Opt-Out Case Automation";

    /// <summary>Optional API host override (a SendGrid-compatible endpoint, e.g. the local host's sink). Empty: api.sendgrid.com.</summary>
    public string? Host { get; set; }
}

/// <summary>
/// Sends email through the SendGrid v3 API with the official client. The HttpClient under it carries the standard
/// resilience handler (429/5xx/timeouts retried with backoff); a send that still fails throws, so the activity fails,
/// Durable retries it, and exhausting retries closes the case as Failed with the case kept.
/// Each message carries its idempotency key as a custom argument; a key already sent by this process is skipped.
/// </summary>
public sealed class SendGridNotifier(HttpClient http, IOptions<SendGridOptions> options, ILogger<SendGridNotifier> logger) : INotifier
{
    private static readonly ConcurrentDictionary<string, byte> Sent = new(StringComparer.Ordinal);

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        if (Sent.ContainsKey(message.Key))
        {
            return false;
        }

        var o = options.Value;
        var clientOptions = new SendGridClientOptions { ApiKey = o.ApiKey };
        if (!string.IsNullOrWhiteSpace(o.Host))
        {
            clientOptions.Host = o.Host;
        }

        var client = new SendGridClient(http, clientOptions);
        var mail = MailHelper.CreateSingleEmail(
            new EmailAddress(o.FromEmail, o.FromName),
            new EmailAddress(message.To.Email, message.To.Name),
            message.Subject,
            message.TextBody,
            message.HtmlBody);
        mail.AddCustomArg("messageKey", message.Key);
        mail.SetClickTracking(false, false);

        var response = await client.SendEmailAsync(mail, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The response body may echo addresses; log only the status.
            logger.LogWarning("SendGrid rejected message {MessageKey} with HTTP {Status}", message.Key, (int)response.StatusCode);
            throw new EmailDeliveryException($"SendGrid answered HTTP {(int)response.StatusCode} for message {message.Key}.", (int)response.StatusCode);
        }

        Sent.TryAdd(message.Key, 0);
        return true;
    }
}

public sealed class EmailDeliveryException(string message, int statusCode) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
