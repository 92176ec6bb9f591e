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

    /// <summary>Base64 of at least 32 random bytes. Key Vault reference in Azure.</summary>
    [Required(ErrorMessage = "Links:SigningKey is required (base64 of at least 32 random bytes; a Key Vault reference in Azure).")]
    public string SigningKey { get; set; } = "";

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
public sealed record DecisionTokenInfo(TokenState State, string? CaseId, string? SupervisorTag, DateTimeOffset? ExpiresAt, string? TokenId, DecisionRole Role = DecisionRole.Supervisor);

/// <summary>
/// Signed, expiring decision tokens: base64url(JSON payload) "." base64url(HMAC-SHA256(payload)). Bound to the case and
/// to the supervisor the email went to. Single use is enforced when the decision is recorded (see the decision endpoint).
/// </summary>
public sealed class DecisionTokens(IOptions<LinkOptions> options, TimeProvider time) : IDecisionLinks
{
    private readonly byte[] _key = Convert.FromBase64String(options.Value.SigningKey);

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
            role == DecisionRole.EscalationContact ? EscalationRole : null);
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson));
        return $"{body}.{Sign(body)}";
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
        var expected = Encoding.ASCII.GetBytes(Sign(body));
        var actual = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return tampered;
        }

        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(FromBase64Url(body));
        }
        catch (Exception e) when (e is JsonException or FormatException)
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
        return new DecisionTokenInfo(state, payload.C, payload.S, expires, payload.N, role);
    }

    /// <summary>A keyed tag of the supervisor's address, so the token binds to the supervisor without carrying the address.</summary>
    public string SupervisorTag(string email) => RecipientTag(DecisionRole.Supervisor, email);

    /// <summary>A keyed tag of a recipient's address in a role; the same address tags differently as supervisor and as escalation contact.</summary>
    public string RecipientTag(DecisionRole role, string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var prefix = role == DecisionRole.EscalationContact ? "escalation:" : "supervisor:";
        return Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(prefix + email.Trim().ToUpperInvariant())))[..16];
    }

    private string Sign(string body) => Base64Url(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(body)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }

    private const string EscalationRole = "E";

    private static readonly JsonSerializerOptions PayloadJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>C: case id, S: recipient tag, E: expiry (unix seconds), N: token id, R: role (absent: supervisor; "E": escalation contact).</summary>
    private sealed record Payload(string C, string S, long E, string N, string? R = null);
}
