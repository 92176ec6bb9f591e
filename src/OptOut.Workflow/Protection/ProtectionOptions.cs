using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace OptOut.Workflow.Protection;

/// <summary>
/// The "Protection" settings section: the key ring that encrypts SSNs (Key Vault references in Azure). The current key
/// encrypts; every key of the ring decrypts, so a key can be rotated while cases still carry values the old key made
/// (docs/operations.md, "Rotating keys").
/// </summary>
public sealed partial class ProtectionOptions
{
    public const string Section = "Protection";

    /// <summary>The current key: base64 of 32 random bytes. Encrypts new SSNs; intake fingerprints are derived from it.</summary>
    [Required(ErrorMessage = "Protection:SsnKey is required (base64 of 32 random bytes; a Key Vault reference in Azure).")]
    public string SsnKey { get; set; } = "";

    /// <summary>The current key's id, written into every value it encrypts (letters and digits, up to 16).</summary>
    public string SsnKeyId { get; set; } = "1";

    /// <summary>Earlier keys by id, kept after a rotation until no running case carries a value they made.</summary>
    public Dictionary<string, string> PreviousSsnKeys { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        if (!IsKey(SsnKey))
        {
            yield return "Protection:SsnKey must be base64 of exactly 32 bytes.";
        }

        if (!KeyId().IsMatch(SsnKeyId ?? ""))
        {
            yield return "Protection:SsnKeyId must be 1-16 letters or digits.";
        }

        foreach (var (id, key) in PreviousSsnKeys)
        {
            if (!KeyId().IsMatch(id) || !IsKey(key))
            {
                yield return $"Protection:PreviousSsnKeys:{id} must be base64 of exactly 32 bytes under an id of 1-16 letters or digits.";
            }

            if (string.Equals(id, SsnKeyId, StringComparison.Ordinal))
            {
                yield return $"Protection:PreviousSsnKeys:{id} has the current key's id (Protection:SsnKeyId): give each key its own id.";
            }
        }
    }

    private static bool IsKey(string? value)
    {
        try
        {
            return Convert.FromBase64String(value ?? "") is { Length: 32 };
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9]{1,16}$")]
    private static partial Regex KeyId();
}
