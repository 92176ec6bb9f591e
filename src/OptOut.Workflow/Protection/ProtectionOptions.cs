using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Protection;

/// <summary>The "Protection" settings section: the key that encrypts SSNs (Key Vault reference in Azure).</summary>
public sealed class ProtectionOptions
{
    public const string Section = "Protection";

    /// <summary>Base64 of 32 random bytes. Used for AES-256-GCM of the SSN and (derived) for intake fingerprints.</summary>
    [Required(ErrorMessage = "Protection:SsnKey is required (base64 of 32 random bytes; a Key Vault reference in Azure).")]
    public string SsnKey { get; set; } = "";

    public IEnumerable<string> Problems()
    {
        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(SsnKey);
        }
        catch (FormatException)
        {
        }

        if (key is not { Length: 32 })
        {
            yield return "Protection:SsnKey must be base64 of exactly 32 bytes.";
        }
    }
}
