using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Protection;

/// <summary>
/// Encrypts the SSN at intake (AES-256-GCM, the case id as associated data) so the orchestration only ever carries
/// ciphertext plus the last four digits. Only the opt-out lookup activity opens it, and only to call the MIS.
/// Values are <c>ssn.v2.{keyId}.{base64(nonce|cipher|tag)}</c>: the current key of the ring encrypts, the key named in
/// the value decrypts, so keys rotate without breaking cases in flight. Values from before key ids
/// (<c>ssn.v1.{base64}</c>) are opened with each key of the ring in turn (GCM's tag tells the right one).
/// </summary>
public sealed class SsnProtector
{
    private const string LegacyPrefix = "ssn.v1.";
    private const string Prefix = "ssn.v2.";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _currentId;
    private readonly Dictionary<string, byte[]> _ring = new(StringComparer.Ordinal);
    private readonly byte[][] _fingerprintKeys;

    public SsnProtector(IOptions<ProtectionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _currentId = o.SsnKeyId;
        _ring[_currentId] = Convert.FromBase64String(o.SsnKey);
        foreach (var (id, key) in o.PreviousSsnKeys)
        {
            _ring[id] = Convert.FromBase64String(key);
        }

        // The current key's first: new fingerprints; every key's: a case fingerprinted before a rotation still matches.
        _fingerprintKeys = [.. new[] { _ring[_currentId] }.Concat(_ring.Where(k => k.Key != _currentId).Select(k => k.Value))
            .Select(key => HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: Encoding.UTF8.GetBytes("optout-intake-fingerprint")))];
    }

    public string Protect(string ssnDigits, string caseId)
    {
        ArgumentNullException.ThrowIfNull(ssnDigits);
        ArgumentNullException.ThrowIfNull(caseId);
        var plain = Encoding.UTF8.GetBytes(ssnDigits);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(_ring[_currentId], TagSize))
        {
            aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(caseId));
        }

        return $"{Prefix}{_currentId}.{Convert.ToBase64String([.. nonce, .. cipher, .. tag])}";
    }

    /// <exception cref="CryptographicException">
    /// The value was tampered with, belongs to another case, or was made by a key that is no longer in the ring. The
    /// message never holds the value.
    /// </exception>
    public string Unprotect(string protectedSsn, string caseId)
    {
        ArgumentNullException.ThrowIfNull(protectedSsn);
        ArgumentNullException.ThrowIfNull(caseId);
        if (protectedSsn.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var rest = protectedSsn[Prefix.Length..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !_ring.TryGetValue(rest[..dot], out var key))
            {
                throw new CryptographicException("The protected SSN was made by a key that is not in Protection:SsnKey or Protection:PreviousSsnKeys.");
            }

            return Decrypt(key, Bytes(rest[(dot + 1)..]), caseId);
        }

        if (protectedSsn.StartsWith(LegacyPrefix, StringComparison.Ordinal))
        {
            var all = Bytes(protectedSsn[LegacyPrefix.Length..]);
            foreach (var key in _ring.Values)
            {
                try
                {
                    return Decrypt(key, all, caseId);
                }
                catch (CryptographicException)
                {
                    // Not this key (or tampered): try the next.
                }
            }

            throw new CryptographicException("The protected SSN does not open with any key of the ring, or belongs to another case.");
        }

        throw new CryptographicException("Not a protected SSN value.");
    }

    /// <summary>
    /// A keyed fingerprint of an intake request (HMAC-SHA256 with a key derived from the current SSN key), used to tell
    /// "same case posted again" from "different case with the same id" without storing the SSN or an unkeyed
    /// (guessable) hash of it.
    /// </summary>
    public string Fingerprint(string canonical) => Fingerprint(_fingerprintKeys[0], canonical);

    /// <summary>True when <paramref name="stored"/> is the fingerprint of <paramref name="canonical"/> under any key of the ring.</summary>
    public bool FingerprintMatches(string? stored, string canonical) =>
        stored is not null && _fingerprintKeys.Any(k => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Fingerprint(k, canonical))));

    private static string Fingerprint(byte[] key, string canonical) =>
        Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));

    private static byte[] Bytes(string base64)
    {
        try
        {
            var all = Convert.FromBase64String(base64);
            return all.Length >= NonceSize + TagSize ? all : throw new CryptographicException("Protected SSN value is truncated.");
        }
        catch (FormatException)
        {
            throw new CryptographicException("Protected SSN value is not base64.");
        }
    }

    private static string Decrypt(byte[] key, byte[] all, string caseId)
    {
        var nonce = all.AsSpan(0, NonceSize);
        var tag = all.AsSpan(all.Length - TagSize);
        var cipher = all.AsSpan(NonceSize, all.Length - NonceSize - TagSize);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(nonce, cipher, tag, plain, Encoding.UTF8.GetBytes(caseId));
        return Encoding.UTF8.GetString(plain);
    }
}
