using OptOut.Workflow.Access;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using OptOut.Workflow.Protection;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Intake;

/// <summary>
/// Why a queue message was moved to optout-intake-rejected. The original message is kept so a person can fix and resend
/// it, with every SSN masked (***-**-1234): client.ssn when the message is readable JSON, and anything shaped like an
/// SSN anywhere in the text otherwise.
/// </summary>
public sealed record QueueRejection(string Reason, IReadOnlyDictionary<string, string[]>? Errors, string? CaseId, DateTimeOffset RejectedAt, string OriginalMessage, bool OriginalTruncated = false)
{
    /// <summary>
    /// The serialized rejection stays under the 64 KiB queue message limit — counted as the bytes it takes on the wire
    /// (UTF-8, with XML escaping), with room to spare — so moving a message aside can never fail because it was large.
    /// </summary>
    public const int MaxWireBytes = 56 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson()
    {
        var json = JsonSerializer.Serialize(this, Json);
        if (WireBytes(json) <= MaxWireBytes)
        {
            return json;
        }

        // Cut the original until the whole fits (escaping and multi-byte characters make the size non-linear).
        var keep = OriginalMessage.Length;
        while (true)
        {
            keep /= 2;
            json = JsonSerializer.Serialize(this with { OriginalMessage = QueueIntake.Cut(OriginalMessage, keep), OriginalTruncated = true, Errors = Errors?.Count > 20 ? null : Errors }, Json);
            if (WireBytes(json) <= MaxWireBytes || keep == 0)
            {
                return json;
            }
        }
    }

    /// <summary>Bytes on the wire: UTF-8, with &lt; &gt; &amp; " ' written as XML entities (at most 6 bytes each).</summary>
    public static int WireBytes(string text)
    {
        var extra = 0;
        foreach (var c in text)
        {
            if (c is '<' or '>' or '&' or '"' or '\'')
            {
                extra += 5;
            }
        }

        return Encoding.UTF8.GetByteCount(text) + extra;
    }
}

public sealed record QueueIntakeOutcome(StartDisposition Disposition, string? CaseId, QueueRejection? Rejection);

/// <summary>
/// The optout-intake queue: the same JSON and the same rules as POST /api/cases, shared by both hosts (the Functions
/// queue trigger and the local host's poller). Messages are plain UTF-8 JSON text (host.json messageEncoding none).
/// </summary>
public static class QueueIntake
{
    public const string IntakeQueue = "optout-intake";
    public const string RejectedQueue = "optout-intake-rejected";

    /// <summary>Where the Functions host (and the local poller) put a message that failed <see cref="MaxDequeueCount"/> times.</summary>
    public const string PoisonQueue = "optout-intake-poison";

    /// <summary>host.json extensions.queues.maxDequeueCount.</summary>
    public const int MaxDequeueCount = 5;

    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// Starts the case or returns the rejection to move the message aside. Throws only for transient failures (the
    /// host then retries the message, and after the maximum dequeue count moves it to the poison queue).
    /// </summary>
    public static async Task<QueueIntakeOutcome> ProcessAsync(string message, StartCaseHandler handler, TimeProvider? time, CancellationToken cancellationToken)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (string.IsNullOrWhiteSpace(message))
        {
            return Reject("The message is empty.", null, null, now, message ?? "");
        }

        if (message.Length > MaxBytes)
        {
            return Reject($"The message is larger than {MaxBytes / 1024} KiB.", null, null, now, message);
        }

        CaseIntakeRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<CaseIntakeRequest>(message, IntakeJson.Options);
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? "" : $" at {e.Path}";
            return Reject($"The message is not valid JSON for a case{where} (line {e.LineNumber + 1}, position {e.BytePositionInLine}).", null, null, now, message);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return Reject("The message is not valid JSON for a case.", null, null, now, message);
        }

        if (request is null)
        {
            return Reject("The message must be a JSON object.", null, null, now, message);
        }

        var result = await handler.HandleAsync(Caller.System, request, "queue", cancellationToken, idFromContent: true);
        return result.Disposition switch
        {
            StartDisposition.Invalid => Reject(result.Message ?? "The case request is not valid.", result.Errors, request.CaseId, now, message),
            StartDisposition.Conflict => Reject(result.Message ?? "A case with this id already exists with different details.", null, request.CaseId, now, message),
            _ => new QueueIntakeOutcome(result.Disposition, result.CaseId, null),
        };
    }

    public static Task<QueueIntakeOutcome> ProcessAsync(string message, StartCaseHandler handler, CancellationToken cancellationToken) =>
        ProcessAsync(message, handler, null, cancellationToken);

    /// <summary>
    /// A message the host gave up on after <see cref="MaxDequeueCount"/> failed attempts (it sat in
    /// <see cref="PoisonQueue"/>), as a rejection: the SSN masked like every rejection, the reason saying it never failed
    /// validation, so a person can fix the cause and resend it.
    /// </summary>
    public static QueueRejection Poisoned(string original, long dequeueCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(original);
        var caseId = TryCaseId(original);
        var reason = $"Processing failed {dequeueCount} time(s) with a transient error (not a validation problem); moved from {PoisonQueue} with the SSN masked. Fix the cause (see the app's logs), then resend the message with the client's SSN.";
        return Reject(reason, null, caseId, now, original).Rejection!;
    }

    private static string? TryCaseId(string message)
    {
        try
        {
            return JsonNode.Parse(message) is JsonObject o && o["caseId"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static QueueIntakeOutcome Reject(string reason, IReadOnlyDictionary<string, string[]>? errors, string? caseId, DateTimeOffset now, string original)
    {
        var safeId = caseId is not null && IntakeValidator.CaseIdPattern().IsMatch(caseId) ? caseId : null;
        var truncated = original.Length > MaxBytes;
        var text = MaskSsn(truncated ? Cut(original, MaxBytes) : original);
        return new(StartDisposition.Invalid, safeId, new QueueRejection(reason, errors, safeId, now, text, truncated));
    }

    /// <summary>
    /// Masks the SSN: client.ssn (any letter case) is replaced by ***-**-1234 (or "(redacted)" when it is not 9 digits),
    /// then anything in the text shaped like an SSN (3-2-4 digits, 9 digits, with dashes or spaces) is masked too — which
    /// also covers messages that are not JSON at all, or an SSN typed into another field.
    /// </summary>
    public static string MaskSsn(string original)
    {
        var text = original;
        try
        {
            if (JsonNode.Parse(original, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is JsonObject root)
            {
                foreach (var (_, node) in root.Where(p => p.Key.Equals("client", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    if (node is JsonObject client)
                    {
                        foreach (var key in client.Select(p => p.Key).Where(k => k.Equals("ssn", StringComparison.OrdinalIgnoreCase)).ToList())
                        {
                            var digits = client[key] is JsonValue v && v.TryGetValue<string>(out var s) ? Ssn.Normalize(s) : null;
                            client[key] = digits is null ? "(redacted)" : Ssn.Mask(digits);
                        }
                    }
                }

                text = root.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
        }

        return Ssn.MaskAll(text);
    }

    internal static string Cut(string value, int length)
    {
        if (value.Length <= length)
        {
            return value;
        }

        // Never split a surrogate pair.
        if (length > 0 && char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }

        return value[..length];
    }
}
