using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Protection;

namespace OptOut.Notifications.Tests;

/// <summary>
/// Keys rotate without breaking what is in flight: links already emailed and SSNs already encrypted name the key that
/// made them, the current key makes new ones, and a key taken out of the ring opens nothing (never a wrong value).
/// </summary>
public sealed class KeyRingTests
{
    private static readonly string OldKey = TestSettings.SigningKey;
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    private DecisionTokens Links(string key, string id, Dictionary<string, string>? previous = null) =>
        new(Options.Create(new LinkOptions { PublicBaseUrl = new Uri("https://optout.example.org"), SigningKey = key, SigningKeyId = id, PreviousSigningKeys = previous ?? [], Lifetime = TimeSpan.FromDays(21) }), _time);

    [Fact]
    public void A_link_signed_before_the_rotation_keeps_working_and_names_its_supervisor_until_its_key_leaves_the_ring()
    {
        var before = Links(OldKey, "1").Create("case-1", "pat.supervisor@example.org");
        var rotated = Links(NewKey, "2", new() { ["1"] = OldKey });

        var info = rotated.Read(before);
        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal("1", info.KeyId);
        Assert.True(rotated.IsFor(info, "pat.supervisor@example.org"));
        Assert.False(rotated.IsFor(info, "robin.supervisor@example.org"));

        var after = rotated.Read(rotated.Create("case-1", "pat.supervisor@example.org"));
        Assert.Equal(("2", TokenState.Valid), (after.KeyId, after.State));
        Assert.True(rotated.IsFor(after, "pat.supervisor@example.org"));

        // Once the old key is removed, its links read as not valid (403), never as someone else's.
        Assert.Equal(TokenState.Tampered, Links(NewKey, "2").Read(before).State);
    }

    [Fact]
    public void A_link_from_before_key_ids_is_checked_against_every_key_and_a_named_key_cannot_be_swapped()
    {
        // The shape every link had before key ids: no K in the payload, signed with the key of the day.
        var legacy = Links(OldKey, "1").Create("case-2", "pat.supervisor@example.org");
        var withoutK = StripKeyId(legacy, OldKey);
        var rotated = Links(NewKey, "2", new() { ["1"] = OldKey });
        var info = rotated.Read(withoutK);
        Assert.Equal((TokenState.Valid, "1"), (info.State, info.KeyId));
        Assert.True(rotated.IsFor(info, "pat.supervisor@example.org"));

        // Claiming the new key's id on a body signed with the old key fails the signature check.
        var body = legacy.Split('.')[0];
        var json = Encoding.UTF8.GetString(FromBase64Url(body)).Replace("\"K\":\"1\"", "\"K\":\"2\"", StringComparison.Ordinal);
        var relabelled = $"{Base64Url(Encoding.UTF8.GetBytes(json))}.{legacy.Split('.')[1]}";
        Assert.Equal(TokenState.Tampered, rotated.Read(relabelled).State);
    }

    [Fact]
    public void An_ssn_encrypted_before_the_rotation_opens_after_it_and_a_resend_matches_its_fingerprint()
    {
        var before = new SsnProtector(Options.Create(new ProtectionOptions { SsnKey = TestSettings.SsnKey, SsnKeyId = "1" }));
        var rotated = new SsnProtector(Options.Create(new ProtectionOptions { SsnKey = NewKey, SsnKeyId = "2", PreviousSsnKeys = new() { ["1"] = TestSettings.SsnKey } }));

        var old = before.Protect("521110005", "case-3");
        Assert.StartsWith("ssn.v2.1.", old, StringComparison.Ordinal);
        Assert.Equal("521110005", rotated.Unprotect(old, "case-3"));
        Assert.StartsWith("ssn.v2.2.", rotated.Protect("521110005", "case-3"), StringComparison.Ordinal);
        Assert.True(rotated.FingerprintMatches(before.Fingerprint("{canonical}"), "{canonical}"));
        Assert.False(rotated.FingerprintMatches(before.Fingerprint("{other}"), "{canonical}"));

        // Gone from the ring: a clear error that holds no part of the value, never a wrong SSN.
        var gone = new SsnProtector(Options.Create(new ProtectionOptions { SsnKey = NewKey, SsnKeyId = "2" }));
        var error = Assert.Throws<CryptographicException>(() => gone.Unprotect(old, "case-3"));
        Assert.DoesNotContain(old[9..20], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_from_before_key_ids_opens_with_whichever_ring_key_made_it_but_not_for_another_case()
    {
        var rotated = new SsnProtector(Options.Create(new ProtectionOptions { SsnKey = NewKey, SsnKeyId = "2", PreviousSsnKeys = new() { ["1"] = TestSettings.SsnKey } }));
        var legacy = LegacyProtect(TestSettings.SsnKey, "521110006", "case-4");

        Assert.Equal("521110006", rotated.Unprotect(legacy, "case-4"));
        Assert.Throws<CryptographicException>(() => rotated.Unprotect(legacy, "case-5"));
        Assert.Throws<CryptographicException>(() => rotated.Unprotect(legacy[..^4] + "AAA=", "case-4"));
    }

    /// <summary>The pre-ring format, <c>ssn.v1.base64(nonce|cipher|tag)</c>, as values in running cases hold it.</summary>
    private static string LegacyProtect(string key, string digits, string caseId)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var plain = Encoding.UTF8.GetBytes(digits);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(Convert.FromBase64String(key), 16))
        {
            aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(caseId));
        }

        return "ssn.v1." + Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }

    private static string StripKeyId(string token, string key)
    {
        using var doc = JsonDocument.Parse(FromBase64Url(token.Split('.')[0]));
        var fields = doc.RootElement.EnumerateObject().Where(p => p.Name != "K").ToDictionary(p => p.Name, p => p.Value.Clone());
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(fields));
        return $"{body}.{Base64Url(HMACSHA256.HashData(Convert.FromBase64String(key), Encoding.ASCII.GetBytes(body)))}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}
