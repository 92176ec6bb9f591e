using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.UseCases.ListCases;

/// <summary>The continuation token sent with GET /api/cases is not one this service issued (or was altered).</summary>
public sealed class InvalidContinuationTokenException : Exception
{
    public InvalidContinuationTokenException()
        : base("The continuation token is not valid.")
    {
    }

    public InvalidContinuationTokenException(string message)
        : base(message)
    {
    }

    public InvalidContinuationTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Where the next page of GET /api/cases starts: the engine's own continuation token of the engine page it is in
/// (null: the first engine page), the engine page size that token was read with, and how many instances of that engine
/// page are already behind us. The engine's token alone can only point at an engine page boundary, while a page of
/// cases can end in the middle of an engine page once filters drop instances.
/// </summary>
internal sealed record ListPosition(
    [property: JsonPropertyName("e")] string? EngineToken,
    [property: JsonPropertyName("n")] int EnginePageSize,
    [property: JsonPropertyName("s")] int Skip);

/// <summary>
/// The continuation token of GET /api/cases: opaque to callers. It is base64url of <c>{"v":1,"e":…,"n":…,"s":…}</c>
/// followed by an HMAC-SHA256 tag (a key derived from Protection:SsnKey), so a token this service did not issue, or one
/// that was cut or edited, is refused as 400 before it reaches the durable engine (which would answer it with an
/// error on one engine and with a silently wrong page on another).
/// </summary>
internal sealed class ListContinuation(IOptions<ProtectionOptions> options)
{
    private const int Version = 1;
    private const int TagBytes = 16;
    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(options.Value.SsnKey), 32, info: Encoding.UTF8.GetBytes("optout-list-continuation"));

    public string Encode(ListPosition position)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Envelope(Version, position.EngineToken, position.EnginePageSize, position.Skip));
        return Base64Url.EncodeToString([.. body, .. Tag(body)]);
    }

    /// <exception cref="InvalidContinuationTokenException">Not a token this service issued.</exception>
    public ListPosition Decode(string token, int maxEnginePageSize)
    {
        byte[] all;
        try
        {
            all = Base64Url.DecodeFromChars(token.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidContinuationTokenException();
        }

        if (all.Length <= TagBytes)
        {
            throw new InvalidContinuationTokenException();
        }

        var body = all.AsSpan(0, all.Length - TagBytes);
        if (!CryptographicOperations.FixedTimeEquals(Tag(body), all.AsSpan(all.Length - TagBytes)))
        {
            throw new InvalidContinuationTokenException();
        }

        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(body);
        }
        catch (JsonException)
        {
            throw new InvalidContinuationTokenException();
        }

        // Signed by us, so well formed unless the format changed: still checked, never trusted blindly.
        if (envelope is not { V: Version } e || e.N < 1 || e.N > maxEnginePageSize || e.S < 0 || e.S > e.N)
        {
            throw new InvalidContinuationTokenException();
        }

        return new ListPosition(string.IsNullOrEmpty(e.E) ? null : e.E, e.N, e.S);
    }

    private byte[] Tag(ReadOnlySpan<byte> body) => HMACSHA256.HashData(_key, body)[..TagBytes];

    private sealed record Envelope(
        [property: JsonPropertyName("v")] int V,
        [property: JsonPropertyName("e")] string? E,
        [property: JsonPropertyName("n")] int N,
        [property: JsonPropertyName("s")] int S);
}
