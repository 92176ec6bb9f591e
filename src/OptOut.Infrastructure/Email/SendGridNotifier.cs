using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Notifications;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace OptOut.Infrastructure.Email;

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
/// Message keys this process has already handed to SendGrid, so a retried activity does not send the same email twice.
/// Bounded (oldest keys forgotten first); SendGrid itself has no idempotency key.
/// </summary>
public sealed class SentEmailKeys(int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public bool Contains(string key) => _keys.ContainsKey(key);

    public void Add(string key)
    {
        if (!_keys.TryAdd(key, 0))
        {
            return;
        }

        _order.Enqueue(key);
        while (_keys.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _keys.TryRemove(oldest, out _);
        }
    }
}

/// <summary>
/// Sends email through the SendGrid v3 API with the official client. The HttpClient under it carries the standard
/// resilience handler (429/5xx/timeouts retried with backoff); a send that still fails throws, so the activity fails,
/// Durable retries it, and exhausting retries closes the case as Failed with the case kept.
/// Each message carries its idempotency key as the message-level custom argument "messageKey"; a key already sent by
/// this process is skipped. Click tracking is off: SendGrid must not rewrite (and pre-fetch) the decision links.
/// Nothing personal goes into exceptions or logs: only the message key (case id, kind, attempt) and HTTP status.
/// </summary>
public sealed class SendGridNotifier(HttpClient http, IOptions<SendGridOptions> options, SentEmailKeys sent, ILogger<SendGridNotifier> logger) : INotifier
{
    public const string MessageKeyArg = "messageKey";

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        if (sent.Contains(message.Key))
        {
            return false;
        }

        var o = options.Value;
        var clientOptions = new SendGridClientOptions { ApiKey = o.ApiKey };
        if (!string.IsNullOrWhiteSpace(o.Host))
        {
            clientOptions.Host = o.Host.TrimEnd('/');
        }

        var client = new SendGridClient(http, clientOptions);
        var mail = MailHelper.CreateSingleEmail(
            new EmailAddress(o.FromEmail, o.FromName),
            new EmailAddress(message.To.Email, message.To.Name),
            message.Subject,
            message.TextBody,
            message.HtmlBody);
        mail.AddGlobalCustomArg(MessageKeyArg, message.Key);
        mail.SetClickTracking(false, false);

        var response = await client.SendEmailAsync(mail, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The response body may echo addresses or names: keep only SendGrid's field names (e.g. "from.email").
            var status = (int)response.StatusCode;
            var fields = await ErrorFieldsAsync(response, cancellationToken);
            Log.SendGridRejected(logger, message.Key, status, fields);
            throw new EmailDeliveryException($"SendGrid answered HTTP {status} for message {message.Key}{(fields.Length > 0 ? $" (fields: {fields})" : "")}.", status);
        }

        sent.Add(message.Key);
        return true;
    }

    private static async Task<string> ErrorFieldsAsync(Response response, CancellationToken cancellationToken)
    {
        try
        {
            if (response.Body is null)
            {
                return "";
            }

            await using var stream = await response.Body.ReadAsStreamAsync(cancellationToken);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            if (!doc.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
            {
                return "";
            }

            var names = errors.EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null)
                .Where(f => !string.IsNullOrEmpty(f) && f.Length <= 80 && f.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '[' or ']'))
                .Distinct(StringComparer.Ordinal)
                .Take(5);
            return string.Join(", ", names);
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            return "";
        }
    }
}

public sealed class EmailDeliveryException(string message, int statusCode) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
