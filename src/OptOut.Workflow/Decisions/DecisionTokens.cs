using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Decisions;

/// <summary>The "Links" settings section.</summary>
public sealed class LinkOptions
{
    public const string Section = "Links";

    /// <summary>Where people reach the app, e.g. https://optout-func.azurewebsites.net or http://localhost:7071.</summary>
    [Required(ErrorMessage = "Links:PublicBaseUrl is required (the app's public address, used in emailed links).")]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The current signing key: base64 of at least 32 random bytes. Key Vault reference in Azure.</summary>
    [Required(ErrorMessage = "Links:SigningKey is required (base64 of at least 32 random bytes; a Key Vault reference in Azure).")]
    public string SigningKey { get; set; } = "";

    /// <summary>The current key's id, written into every link it signs (letters and digits, up to 16).</summary>
    public string SigningKeyId { get; set; } = "1";

    /// <summary>Earlier signing keys by id: links they signed keep working until they expire (docs/operations.md).</summary>
    public Dictionary<string, string> PreviousSigningKeys { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:10", "90.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(21);

    public IEnumerable<string> Problems()
    {
        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(SigningKey);
        }
        catch (FormatException)
        {
        }

        if (key is null || key.Length < 32)
        {
            yield return "Links:SigningKey must be base64 of at least 32 bytes.";
        }

        if (string.IsNullOrEmpty(SigningKeyId) || SigningKeyId.Length > 16 || !SigningKeyId.All(char.IsAsciiLetterOrDigit))
        {
            yield return "Links:SigningKeyId must be 1-16 letters or digits.";
        }

        foreach (var (id, previous) in PreviousSigningKeys)
        {
            byte[]? bytes = null;
            try
            {
                bytes = Convert.FromBase64String(previous);
            }
            catch (FormatException)
            {
            }

            if (bytes is null || bytes.Length < 32 || id == SigningKeyId || id.Length > 16 || !id.All(char.IsAsciiLetterOrDigit))
            {
                yield return $"Links:PreviousSigningKeys:{id} must be base64 of at least 32 bytes under an id of 1-16 letters or digits other than Links:SigningKeyId.";
            }
        }
    }
}

/// <summary>Creates the emailed decision link for a case, for one recipient: the supervisor or the escalation contact.</summary>
public interface IDecisionLinks
{
    string CreateLink(CaseParties c, DecisionRole role);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TokenState>))]
public enum TokenState
{
    Valid,
    Tampered,
    Expired,
}

/// <summary>
/// What a decision token says once its signature is checked. No PII: case id, a keyed tag of the recipient's address
/// (<see cref="SupervisorTag"/>, named for the supervisor, whose links came first), expiry, id, and the recipient's role.
/// </summary>
public sealed record DecisionTokenInfo(TokenState State, string? CaseId, string? SupervisorTag, DateTimeOffset? ExpiresAt, string? TokenId, DecisionRole Role = DecisionRole.Supervisor, string? KeyId = null);

/// <summary>
/// Signed, expiring decision tokens: base64url(JSON payload) "." base64url(HMAC-SHA256(payload)). Bound to the case and
/// to the supervisor the email went to. Single use is enforced when the decision is recorded (see the decision endpoint).
/// The payload names the signing key (<c>K</c>) of a key ring, so the key can be rotated while emailed links stay valid:
/// the current key signs, every key of the ring verifies; a token from before key ids is checked against each key.
/// </summary>
public sealed class DecisionTokens(IOptions<LinkOptions> options, TimeProvider time) : IDecisionLinks
{
    private readonly Dictionary<string, byte[]> _ring = Ring(options.Value);

    private byte[] CurrentKey => _ring[options.Value.SigningKeyId];

    /// <summary>The supervisor's link.</summary>
    public string CreateLink(CaseParties c) => CreateLink(c, DecisionRole.Supervisor);

    public string CreateLink(CaseParties c, DecisionRole role)
    {
        ArgumentNullException.ThrowIfNull(c);
        var recipient = role == DecisionRole.EscalationContact ? c.EscalationContact : c.Supervisor;
        var token = Create(c.CaseId, recipient.Email, role);
        var baseUrl = options.Value.PublicBaseUrl!.ToString().TrimEnd('/');
        return $"{baseUrl}/api/decisions/{token}";
    }

    /// <summary>
    /// A token for the recipient at <paramref name="recipientEmail"/> in <paramref name="role"/>. A supervisor's token
    /// has no role field (as every token had before roles existed); an escalation contact's carries <c>"R":"E"</c>.
    /// </summary>
    public string Create(string caseId, string recipientEmail, DecisionRole role = DecisionRole.Supervisor)
    {
        var payload = new Payload(
            caseId,
            RecipientTag(role, recipientEmail),
            time.GetUtcNow().Add(options.Value.Lifetime).ToUnixTimeSeconds(),
            Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            role == DecisionRole.EscalationContact ? EscalationRole : null,
            options.Value.SigningKeyId);
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson));
        return $"{body}.{Sign(CurrentKey, body)}";
    }

    public DecisionTokenInfo Read(string? token)
    {
        var tampered = new DecisionTokenInfo(TokenState.Tampered, null, null, null, null);
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return tampered;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1)
        {
            return tampered;
        }

        var body = token[..dot];
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(FromBase64Url(body));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return tampered;
        }

        // The payload names its key (unverified until the signature checks out with that key); a token from before key
        // ids is checked against every key of the ring.
        var actual = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        var candidates = payload?.K is { } named
            ? _ring.TryGetValue(named, out var k) ? [new KeyValuePair<string, byte[]>(named, k)] : []
            : _ring.ToList();
        var keyId = candidates.FirstOrDefault(c => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(c.Value, body)), actual)).Key;
        if (keyId is null)
        {
            return tampered;
        }

        // A role this version does not know is not guessed at: the token reads as not valid.
        if (payload is null || string.IsNullOrEmpty(payload.C) || payload.R is not (null or EscalationRole))
        {
            return tampered;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(payload.E);
        var state = time.GetUtcNow() >= expires ? TokenState.Expired : TokenState.Valid;
        var role = payload.R == EscalationRole ? DecisionRole.EscalationContact : DecisionRole.Supervisor;
        return new DecisionTokenInfo(state, payload.C, payload.S, expires, payload.N, role, keyId);
    }

    /// <summary>A keyed tag of the supervisor's address, so the token binds to the supervisor without carrying the address.</summary>
    public string SupervisorTag(string email) => RecipientTag(DecisionRole.Supervisor, email);

    /// <summary>A keyed tag of a recipient's address in a role; the same address tags differently as supervisor and as escalation contact.</summary>
    public string RecipientTag(DecisionRole role, string email) => RecipientTag(CurrentKey, role, email);

    /// <summary>True when a read token was made for <paramref name="email"/> in its role (tagged with the key that signed it).</summary>
    public bool IsFor(DecisionTokenInfo info, string email)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.KeyId is { } id && _ring.TryGetValue(id, out var key)
            && string.Equals(RecipientTag(key, info.Role, email), info.SupervisorTag, StringComparison.Ordinal);
    }

    private static string RecipientTag(byte[] key, DecisionRole role, string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var prefix = role == DecisionRole.EscalationContact ? "escalation:" : "supervisor:";
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(prefix + email.Trim().ToUpperInvariant())))[..16];
    }

    private static string Sign(byte[] key, string body) => Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body)));

    private static Dictionary<string, byte[]> Ring(LinkOptions o)
    {
        var ring = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [o.SigningKeyId] = Convert.FromBase64String(o.SigningKey) };
        foreach (var (id, key) in o.PreviousSigningKeys)
        {
            ring.TryAdd(id, Convert.FromBase64String(key));
        }

        return ring;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }

    private const string EscalationRole = "E";

    private static readonly JsonSerializerOptions PayloadJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// C: case id, S: recipient tag, E: expiry (unix seconds), N: token id, R: role (absent: supervisor; "E": escalation
    /// contact), K: signing key id (absent: a token from before key ids).
    /// </summary>
    private sealed record Payload(string C, string S, long E, string N, string? R = null, string? K = null);
}
