using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using OptOut.Testing;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Tests.Protection;

/// <summary>
/// Opening a protected SSN: the right case and key give the SSN back; anything else (tampered, truncated, not even
/// base64, another case's value, another key) throws a <see cref="CryptographicException"/> that names neither the SSN
/// nor the protected value, and never returns a wrong SSN.
/// </summary>
public sealed class SsnProtectorTests
{
    private const string Ssn = "521110005";
    private const string CaseId = "ssn-case-1";

    private readonly SsnProtector _protector = Protector(TestSettings.SsnKey);

    [Fact]
    public void The_right_case_opens_its_own_value()
    {
        var protectedSsn = _protector.Protect(Ssn, CaseId);

        Assert.StartsWith("ssn.v2.1.", protectedSsn, StringComparison.Ordinal); // the key ring's format: version, key id, value
        Assert.DoesNotContain(Ssn, protectedSsn, StringComparison.Ordinal);
        Assert.Equal(Ssn, _protector.Unprotect(protectedSsn, CaseId));
    }

    [Fact]
    public void Another_cases_value_is_refused() =>
        AssertRefused(_protector.Protect(Ssn, CaseId), "ssn-case-2");

    [Fact]
    public void A_value_protected_under_another_key_is_refused() =>
        AssertRefused(Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Protect(Ssn, CaseId), CaseId);

    [Theory]
    [InlineData(0)]   // the nonce
    [InlineData(12)]  // the first byte of the ciphertext
    [InlineData(-1)]  // the last byte of the tag
    public void A_value_with_any_byte_changed_is_refused(int index)
    {
        var protectedSsn = _protector.Protect(Ssn, CaseId);
        const string prefix = "ssn.v2.1.";
        var bytes = Convert.FromBase64String(protectedSsn[prefix.Length..]);
        bytes[index < 0 ? bytes.Length + index : index] ^= 0x01;

        AssertRefused(prefix + Convert.ToBase64String(bytes), CaseId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("521110005")]
    [InlineData("ssn.v1.")]
    [InlineData("ssn.v1.AAAA")]                 // shorter than a nonce and a tag
    [InlineData("ssn.v1.not base64 at all!!")]  // not base64
    [InlineData("ssn.v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_value_that_is_not_a_protected_ssn_is_refused(string value) => AssertRefused(value, CaseId);

    private void AssertRefused(string protectedSsn, string caseId)
    {
        var error = Assert.ThrowsAny<CryptographicException>(() => _protector.Unprotect(protectedSsn, caseId));
        var text = error.ToString();
        Assert.DoesNotContain(Ssn, text, StringComparison.Ordinal);
        Assert.DoesNotContain("0005", text, StringComparison.Ordinal);
        if (protectedSsn.Length > "ssn.v1.".Length)
        {
            Assert.DoesNotContain(protectedSsn["ssn.v1.".Length..], text, StringComparison.Ordinal);
        }
    }

    private static SsnProtector Protector(string key) => new(Options.Create(new ProtectionOptions { SsnKey = key }));
}
