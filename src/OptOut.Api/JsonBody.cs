using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OptOut.Workflow.Intake;

namespace OptOut.Api;

/// <summary>Reads a bounded JSON body: wrong content type → 415, too large → 413, malformed → 400. Never throws for bad input.</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body, or the problem to answer with.</summary>
    public sealed record Read<T>(T? Value, ProblemHttpResult? Error);

    public static bool IsJson(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrWhiteSpace(type))
        {
            return false;
        }

        var media = type.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<Read<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!IsJson(request))
        {
            return new(null, Problems.UnsupportedMediaType("application/json"));
        }

        if (request.ContentLength > MaxBytes)
        {
            return new(null, Problems.TooLarge(MaxBytes));
        }

        var bytes = await ReadBoundedAsync(request.Body, MaxBytes, cancellationToken);
        if (bytes is null)
        {
            return new(null, Problems.TooLarge(MaxBytes));
        }

        if (bytes.Length == 0)
        {
            return new(null, Problems.BadRequest("The request body is empty; send the case as JSON."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, IntakeJson.Options); // shared with the queue: strict, bounded depth
            return value is null
                ? new(null, Problems.BadRequest("The request body must be a JSON object."))
                : new(value, null);
        }
        catch (JsonException e)
        {
            // The message gives the JSON path and position, never the offending value.
            var where = e.Path is null ? "" : $" at {e.Path}";
            return new(null, Problems.BadRequest($"The body is not valid JSON for a case{where} (line {e.LineNumber + 1}, position {e.BytePositionInLine})."));
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return new(null, Problems.BadRequest("The body is not valid JSON for a case."));
        }
    }

    /// <summary>Null when the stream holds more than <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }
}
