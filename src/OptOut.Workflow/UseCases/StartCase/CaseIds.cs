using System.Globalization;
using System.Security.Cryptography;

namespace OptOut.Workflow.UseCases.StartCase;

/// <summary>
/// Case ids the app makes when a request brings none. Their random or derived part is letters only, so an id never
/// holds a run of digits that could be read as an SSN (intake refuses such ids from callers too).
/// </summary>
public static class CaseIds
{
    private const int Letters = 16; // 26^16 ≈ 2^75

    /// <summary>A new id: <c>case-yyyyMMdd-</c> and random letters.</summary>
    public static string New(DateTimeOffset now) =>
        $"case-{now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{Spell(RandomNumberGenerator.GetBytes(Letters))}";

    /// <summary>The id of a queued request without one: <c>queue-</c> and letters from its keyed fingerprint (hex).</summary>
    public static string FromFingerprint(string fingerprint) => $"queue-{Spell(Convert.FromHexString(fingerprint.AsSpan(0, Letters * 2)))}";

    private static string Spell(byte[] bytes) => string.Create(bytes.Length, bytes, (span, b) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)('a' + (b[i] % 26));
        }
    });
}
