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

    /// <summary>
    /// How long one POST may take before it is abandoned (and the message recorded as in doubt). SendGrid answers in
    /// well under a second; there is no HTTP-level retry.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "SendGrid:Timeout must be between 00:00:01 and 00:05:00.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a claim on a message key keeps other instances from sending it. After that a claim whose instance
    /// stopped (crashed mid-send) may be taken over and the message sent again. Must be at least twice
    /// <see cref="Timeout"/>, so a live sender always records its outcome inside its lease.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00", ErrorMessage = "SendGrid:ClaimLease must be between 00:00:02 and 01:00:00.")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Sends email through the SendGrid v3 API with the official client, each message key at most once across every
/// instance, through the shared <see cref="IEmailOutbox"/>: claim the key, POST once, then record the answer.
/// <list type="bullet">
/// <item>2xx: marked sent; returns true. A key already sent (or in doubt) is not sent again: returns false.</item>
/// <item>Any other HTTP answer (4xx, 429, 500, 503): SendGrid did not take it; the claim is released and
/// <see cref="EmailDeliveryException"/> is thrown, so the activity fails and Durable's retry sends it again.</item>
/// <item>No answer (timeout, dropped connection, 502/504 from a gateway): SendGrid may have accepted it; the key is
/// marked in doubt (never sent again) and <see cref="EmailDeliveryInDoubtException"/> is thrown.</item>
/// <item>SendGrid never reached (DNS, connect, TLS): released, the exception propagates, the retry sends it.</item>
/// <item>Another instance holds a live claim: <see cref="EmailSendInProgressException"/>; the retry asks again.</item>
/// </list>
/// The HttpClient has no HTTP-level retry (a timed-out POST is never re-posted); Durable's activity retry policy is the
/// retry, and every attempt goes through the outbox. Click tracking is off: SendGrid must not rewrite (and pre-fetch)
/// the decision links. Nothing personal goes into exceptions or logs: only the message key (case id, kind, attempt),
/// HTTP status and error kinds.
/// </summary>
public sealed class SendGridNotifier(HttpClient http, IOptions<SendGridOptions> options, IEmailOutbox outbox, ILogger<SendGridNotifier> logger) : INotifier
{
    public const string MessageKeyArg = "messageKey";

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
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

        var claim = await outbox.ClaimAsync(message.Key, cancellationToken);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Claimed:
                break;
            case ClaimOutcome.AlreadySent:
            case ClaimOutcome.InDoubt:
                Log.EmailNotResent(logger, message.Key, claim.Outcome);
                return false;
            case ClaimOutcome.InProgress:
                Log.EmailSendInProgress(logger, message.Key, claim.LeaseUntil);
                throw new EmailSendInProgressException(message.Key, claim.LeaseUntil);
        }

        // From here on the outcome is recorded whatever the caller's token says: the POST may already be out.
        Response response;
        try
        {
            response = await client.SendEmailAsync(mail, cancellationToken);
        }
        catch (HttpRequestException e) when (NeverReachedSendGrid(e))
        {
            var reason = $"unreachable: {e.HttpRequestError}";
            await outbox.ReleaseAsync(claim, reason, CancellationToken.None);
            Log.SendGridUnreachable(logger, message.Key, reason);
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            var reason = NoAnswerReason(e);
            await outbox.MarkInDoubtAsync(claim, reason, CancellationToken.None);
            Log.SendGridInDoubt(logger, message.Key, reason);
            throw new EmailDeliveryInDoubtException(message.Key, reason, e);
        }

        if (response.IsSuccessStatusCode)
        {
            await outbox.MarkSentAsync(claim, MessageId(response), CancellationToken.None);
            return true;
        }

        var status = (int)response.StatusCode;
        if (status is 502 or 504)
        {
            // A gateway between us and SendGrid gave up waiting: SendGrid may have taken the message.
            var reason = $"HTTP {status} from a gateway";
            await outbox.MarkInDoubtAsync(claim, reason, CancellationToken.None);
            Log.SendGridInDoubt(logger, message.Key, reason);
            throw new EmailDeliveryInDoubtException(message.Key, reason, null);
        }

        // The response body may echo addresses or names: keep only SendGrid's field names (e.g. "from.email").
        var fields = await ErrorFieldsAsync(response, cancellationToken);
        await outbox.ReleaseAsync(claim, $"HTTP {status}", CancellationToken.None);
        Log.SendGridRejected(logger, message.Key, status, fields);
        throw new EmailDeliveryException($"SendGrid answered HTTP {status} for message {message.Key}{(fields.Length > 0 ? $" (fields: {fields})" : "")}.", status);
    }

    /// <summary>Failures before the request could leave this machine: nothing reached SendGrid.</summary>
    private static bool NeverReachedSendGrid(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    private static string NoAnswerReason(Exception e) => e switch
    {
        TaskCanceledException { InnerException: TimeoutException } => "timeout",
        OperationCanceledException => "canceled",
        HttpRequestException h => $"no answer: {h.HttpRequestError}",
        _ => $"no answer: {e.GetType().Name}",
    };

    private static string? MessageId(Response response) =>
        response.Headers is { } headers && headers.TryGetValues("X-Message-Id", out var values) ? values.FirstOrDefault() : null;

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

/// <summary>SendGrid answered with an error (the claim was released: a retry sends the message again).</summary>
public sealed class EmailDeliveryException(string message, int statusCode) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>The request may have reached SendGrid but no answer came back: the message is recorded in doubt and not sent again.</summary>
public sealed class EmailDeliveryInDoubtException(string messageKey, string reason, Exception? inner)
    : Exception($"SendGrid gave no answer for message {messageKey} ({reason}); it may have been accepted, so it will not be sent again.", inner)
{
    public string MessageKey { get; } = messageKey;

    public string Reason { get; } = reason;
}

/// <summary>
/// Another instance holds a live claim on the message key: the email activity waits for the lease to end and asks
/// again (SendNotificationActivity), so a claim left by an instance that died does not use up the activity's retries.
/// </summary>
public sealed class EmailSendInProgressException(string messageKey, DateTimeOffset leaseUntil)
    : NotifierBusyException(messageKey, leaseUntil, $"Message {messageKey} is being sent by another instance (claim held until {leaseUntil:O}); try again later.")
{
    public DateTimeOffset LeaseUntil => RetryAt;
}
