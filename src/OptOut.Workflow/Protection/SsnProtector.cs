using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Protection;

/// <summary>
/// Encrypts the SSN at intake (AES-256-GCM, the case id as associated data) so the orchestration only ever carries
/// ciphertext plus the last four digits. Only the opt-out lookup activity opens it, and only to call the MIS.
/// </summary>
public sealed class SsnProtector
{
    private const string Prefix = "ssn.v1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;
    private readonly byte[] _fingerprintKey;

    public SsnProtector(IOptions<ProtectionOptions> options)
    {
        _key = Convert.FromBase64String(options.Value.SsnKey);
        _fingerprintKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, info: Encoding.UTF8.GetBytes("optout-intake-fingerprint"));
    }

    public string Protect(string ssnDigits, string caseId)
    {
        var plain = Encoding.UTF8.GetBytes(ssnDigits);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(caseId));
        }

        return Prefix + Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }

    /// <exception cref="CryptographicException">The value was tampered with, belongs to another case or another key.</exception>
    public string Unprotect(string protectedSsn, string caseId)
    {
        if (!protectedSsn.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("Not a protected SSN value.");
        }

        byte[] all;
        try
        {
            all = Convert.FromBase64String(protectedSsn[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new CryptographicException("Protected SSN value is not valid base64.");
        }

        if (all.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Protected SSN value is truncated.");
        }

        var nonce = all.AsSpan(0, NonceSize);
        var tag = all.AsSpan(all.Length - TagSize);
        var cipher = all.AsSpan(NonceSize, all.Length - NonceSize - TagSize);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(nonce, cipher, tag, plain, Encoding.UTF8.GetBytes(caseId));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// A keyed fingerprint of an intake request (HMAC-SHA256), used to tell "same case posted again" from
    /// "different case with the same id" without storing the SSN or an unkeyed (guessable) hash of it.
    /// </summary>
    public string Fingerprint(string canonical) =>
        Convert.ToHexString(HMACSHA256.HashData(_fingerprintKey, Encoding.UTF8.GetBytes(canonical)));
}
