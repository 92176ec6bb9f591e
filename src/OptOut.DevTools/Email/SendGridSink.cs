using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Infrastructure.Email;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;

namespace OptOut.DevTools.Email;

/// <summary>
/// A SendGrid-compatible sink: <c>POST /v3/mail/send</c> with the v3 JSON the official client sends. It checks
/// <c>Authorization: Bearer &lt;SendGrid:ApiKey&gt;</c>, validates the message like SendGrid does (the parts this app
/// uses), answers 202 with an X-Message-Id, and stores the message in the <see cref="InMemoryMailbox"/> that the dev
/// mailbox page reads, de-duplicated by <c>custom_args.messageKey</c>. Errors use SendGrid's shape: <c>{"errors":[{"message","field","help"}]}</c>.
/// </summary>
public static class SendGridSink
{
    public const string Path = "/v3/mail/send";
    private const int MaxBodyBytes = 2 * 1024 * 1024;

    public static void MapSendGridSink(this IEndpointRouteBuilder app) =>
        app.MapPost(Path, ReceiveAsync).DisableAntiforgery();

    internal static async Task<IResult> ReceiveAsync(HttpRequest request, IOptions<SendGridOptions> options, InMemoryMailbox mailbox, IServiceProvider services, CancellationToken ct)
    {
        var auth = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(auth))
        {
            return Errors(StatusCodes.Status401Unauthorized, ("authorization required", null));
        }

        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !KeyMatches(auth["Bearer ".Length..], options.Value.ApiKey))
        {
            return Errors(StatusCodes.Status401Unauthorized, ("The provided authorization grant is invalid, expired, or revoked", null));
        }

        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Errors(StatusCodes.Status400BadRequest, ("Content-Type should be application/json.", null));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return Errors(StatusCodes.Status413PayloadTooLarge, ("The JSON payload is too large for the local sink.", null));
        }

        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return Errors(StatusCodes.Status400BadRequest, ("Bad Request", null));
        }

        using (doc)
        {
            var (message, from, errors) = Parse(doc.RootElement);
            if (errors.Count > 0)
            {
                return Errors(StatusCodes.Status400BadRequest, [.. errors]);
            }

            // With the durable store the mailbox is kept in Azurite too (and counts repeated sends); else in memory.
            if (services.GetService<TableMailbox>() is { } durable)
            {
                await durable.SendAsync(message!, ct);
            }
            else
            {
                mailbox.Store(message!, from);
            }

            var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(11)).ToLowerInvariant();
            return new Accepted(id);
        }
    }

    /// <summary>Validates the v3 body (the rules SendGrid applies to what this app sends) and maps it to a stored email.</summary>
    internal static (EmailMessage? Message, Contact? From, List<(string Message, string? Field)> Errors) Parse(JsonElement root)
    {
        var errors = new List<(string, string?)>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("Bad Request", null));
            return (null, null, errors);
        }

        var from = Address(root, "from", "from", errors, "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.");
        var topSubject = Text(root, "subject");
        Contact? to = null;
        string? subject = topSubject;
        var customArgs = Args(root);

        if (!root.TryGetProperty("personalizations", out var ps) || ps.ValueKind != JsonValueKind.Array || ps.GetArrayLength() == 0)
        {
            errors.Add(("The personalizations field is required and must have at least one personalization.", "personalizations"));
        }
        else if (ps.GetArrayLength() > 1000)
        {
            errors.Add(("The personalizations field may not contain more than 1000 personalizations.", "personalizations"));
        }
        else
        {
            var i = 0;
            foreach (var p in ps.EnumerateArray())
            {
                var field = $"personalizations.{i}";
                if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("to", out var tos) || tos.ValueKind != JsonValueKind.Array || tos.GetArrayLength() == 0)
                {
                    errors.Add(("The to array is required for all personalization objects, and must have at least one email object with a valid email address.", $"{field}.to"));
                }
                else
                {
                    var j = 0;
                    foreach (var t in tos.EnumerateArray())
                    {
                        var c = AddressOf(t);
                        if (c is null)
                        {
                            errors.Add(("Does not contain a valid address.", $"{field}.to.{j}.email"));
                        }
                        else
                        {
                            to ??= c;
                        }

                        j++;
                    }
                }

                var ownSubject = p.ValueKind == JsonValueKind.Object ? Text(p, "subject") : null;
                if (ownSubject is null && topSubject is null && !root.TryGetProperty("template_id", out _))
                {
                    errors.Add(("The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", "subject"));
                }

                if (i == 0)
                {
                    subject = ownSubject ?? topSubject;
                    if (p.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var (k, v) in Args(p))
                        {
                            customArgs[k] = v; // personalization custom_args override message-level ones, as in SendGrid
                        }
                    }
                }

                i++;
            }
        }

        string? textBody = null, htmlBody = null;
        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
        {
            if (!root.TryGetProperty("template_id", out _))
            {
                errors.Add(("Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.", "content"));
            }
        }
        else
        {
            var k = 0;
            foreach (var block in content.EnumerateArray())
            {
                var type = block.ValueKind == JsonValueKind.Object ? Text(block, "type") : null;
                var value = block.ValueKind == JsonValueKind.Object ? Text(block, "value") : null;
                if (type is null)
                {
                    errors.Add(("The content type is required.", $"content.{k}.type"));
                }
                else if (value is null)
                {
                    errors.Add(("The content value must be a string at least one character in length.", $"content.{k}.value"));
                }
                else if (string.Equals(type, "text/plain", StringComparison.OrdinalIgnoreCase))
                {
                    if (k != 0)
                    {
                        errors.Add(("If present, text/plain content must be first, followed by any other content.", $"content.{k}.type"));
                    }

                    textBody ??= value;
                }
                else if (string.Equals(type, "text/html", StringComparison.OrdinalIgnoreCase))
                {
                    htmlBody ??= value;
                }

                k++;
            }
        }

        if (errors.Count > 0)
        {
            return (null, null, errors);
        }

        // Without a messageKey every message is its own entry; with one, a resend of the same key is kept once.
        var key = customArgs.TryGetValue(SendGridNotifier.MessageKeyArg, out var mk) && !string.IsNullOrWhiteSpace(mk)
            ? mk
            : $"sink:{Guid.NewGuid():N}";
        var message = new EmailMessage(key, to!, subject ?? "", textBody ?? "", htmlBody ?? "");
        return (message, from, errors);
    }

    private static bool KeyMatches(string presented, string expected) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static Contact? Address(JsonElement root, string name, string field, List<(string, string?)> errors, string missing)
    {
        if (!root.TryGetProperty(name, out var e))
        {
            errors.Add((missing, field));
            return null;
        }

        var c = AddressOf(e);
        if (c is null)
        {
            errors.Add(("The from email does not contain a valid address.", $"{field}.email"));
        }

        return c;
    }

    private static Contact? AddressOf(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object || Text(e, "email") is not { } email || !MailAddress.TryCreate(email, out _))
        {
            return null;
        }

        return new Contact(Text(e, "name") ?? "", email);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static Dictionary<string, string> Args(JsonElement e)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty("custom_args", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in a.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    args[p.Name] = p.Value.GetString()!;
                }
            }
        }

        return args;
    }

    private static IResult Errors(int status, params (string Message, string? Field)[] errors) =>
        Results.Json(new { errors = errors.Select(e => new { message = e.Message, field = e.Field, help = (string?)null }) }, statusCode: status);

    /// <summary>SendGrid's success answer: 202, empty body, X-Message-Id.</summary>
    private sealed class Accepted(string messageId) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status202Accepted;
            httpContext.Response.Headers["X-Message-Id"] = messageId;
            return Task.CompletedTask;
        }
    }
}
