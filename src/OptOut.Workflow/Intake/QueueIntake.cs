using System.Text.Json;
using System.Text.Json.Nodes;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Intake;

/// <summary>
/// Why a queue message was moved to optout-intake-rejected. The original message is kept so a person can fix and resend
/// it, with the SSN masked when the message is readable JSON.
/// </summary>
public sealed record QueueRejection(string Reason, IDictionary<string, string[]>? Errors, string? CaseId, DateTimeOffset RejectedAt, string OriginalMessage)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

public sealed record QueueIntakeOutcome(StartDisposition Disposition, string? CaseId, QueueRejection? Rejection);

/// <summary>The optout-intake queue: the same JSON and the same rules as POST /api/cases, shared by both hosts.</summary>
public static class QueueIntake
{
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    /// <summary>
    /// Starts the case or returns the rejection to move the message aside. Throws only for transient failures (the
    /// host then retries the message, and after the maximum dequeue count moves it to the poison queue).
    /// </summary>
    public static async Task<QueueIntakeOutcome> ProcessAsync(string message, CaseService cases, TimeProvider? time, CancellationToken cancellationToken)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (string.IsNullOrWhiteSpace(message))
        {
            return Reject("The message is empty.", null, null, now, message ?? "");
        }

        if (message.Length > MaxBytes)
        {
            return Reject($"The message is larger than {MaxBytes / 1024} KiB.", null, null, now, message[..1024] + "…(truncated)");
        }

        CaseIntakeRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<CaseIntakeRequest>(message, Options);
        }
        catch (JsonException e)
        {
            return Reject($"The message is not valid JSON for a case (line {e.LineNumber + 1}, position {e.BytePositionInLine}).", null, null, now, message);
        }

        if (request is null)
        {
            return Reject("The message must be a JSON object.", null, null, now, message);
        }

        var result = await cases.StartAsync(request, "queue", cancellationToken);
        return result.Disposition switch
        {
            StartDisposition.Invalid => Reject(result.Message ?? "The case request is not valid.", result.Errors, request.CaseId, now, message),
            StartDisposition.Conflict => Reject(result.Message ?? "A case with this id already exists with different details.", null, request.CaseId, now, message),
            _ => new QueueIntakeOutcome(result.Disposition, result.CaseId, null),
        };
    }

    public static Task<QueueIntakeOutcome> ProcessAsync(string message, CaseService cases, CancellationToken cancellationToken) =>
        ProcessAsync(message, cases, null, cancellationToken);

    private static QueueIntakeOutcome Reject(string reason, IDictionary<string, string[]>? errors, string? caseId, DateTimeOffset now, string original) =>
        new(StartDisposition.Invalid, caseId, new QueueRejection(reason, errors, caseId, now, MaskSsn(original)));

    /// <summary>Replaces client.ssn with its masked form when the message is readable JSON.</summary>
    internal static string MaskSsn(string original)
    {
        try
        {
            if (JsonNode.Parse(original) is JsonObject root
                && root.TryGetPropertyValue("client", out var c) && c is JsonObject client)
            {
                foreach (var key in client.Select(p => p.Key).Where(k => k.Equals("ssn", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    var digits = Ssn.Normalize(client[key]?.ToString());
                    client[key] = digits is null ? "(redacted)" : Ssn.Mask(digits);
                }

                return root.ToJsonString();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
        }

        return original;
    }
}
