using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OptOut.Workflow.Decisions;

namespace OptOut.Notifications.Tests;

/// <summary>Decision tokens on their own: signature, expiry, binding, and what the payload may (not) carry.</summary>
public sealed class DecisionTokenTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 17, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(T0);

    private DecisionTokens Tokens => TestCases.Tokens(_time);

    [Fact]
    public void A_fresh_token_reads_back_valid_with_case_supervisor_tag_expiry_and_id()
    {
        var token = Tokens.Create("case-1", "pat.supervisor@example.org");
        var info = Tokens.Read(token);

        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal("case-1", info.CaseId);
        Assert.Equal(Tokens.SupervisorTag("pat.supervisor@example.org"), info.SupervisorTag);
        Assert.Equal(T0.AddHours(1), info.ExpiresAt);
        Assert.Matches("^[0-9A-F]{16}$", info.TokenId!);
        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$", token); // URL-safe as is: no escaping in links
    }

    [Fact]
    public void Every_token_is_unique_even_for_the_same_case_and_supervisor()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => Tokens.Read(Tokens.Create("case-1", "pat.supervisor@example.org")).TokenId).ToHashSet();
        Assert.Equal(50, ids.Count);
    }

    [Fact]
    public void Changing_any_character_of_the_token_makes_it_tampered()
    {
        var token = Tokens.Create("case-1", "pat.supervisor@example.org");
        for (var i = 0; i < token.Length; i++)
        {
            foreach (var replacement in new[] { Alphabet[(Alphabet.IndexOf(token[i], StringComparison.Ordinal) + 1) % Alphabet.Length], token[i] == '.' ? 'A' : '.' })
            {
                var changed = string.Concat(token.AsSpan(0, i), replacement.ToString(), token.AsSpan(i + 1));
                Assert.NotEqual(token, changed);
                var info = Tokens.Read(changed);
                Assert.True(info.State == TokenState.Tampered, $"position {i} '{token[i]}'->'{replacement}' read as {info.State}");
                Assert.Null(info.CaseId);
                Assert.Null(info.TokenId);
            }
        }
    }

    [Fact]
    public void Flipping_any_bit_of_the_payload_or_signature_bytes_makes_it_tampered()
    {
        var token = Tokens.Create("case-1", "pat.supervisor@example.org");
        var parts = token.Split('.');
        for (var part = 0; part < 2; part++)
        {
            var bytes = FromBase64Url(parts[part]);
            for (var bit = 0; bit < bytes.Length * 8; bit++)
            {
                var flipped = (byte[])bytes.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                var changed = part == 0 ? $"{Base64Url(flipped)}.{parts[1]}" : $"{parts[0]}.{Base64Url(flipped)}";
                Assert.Equal(TokenState.Tampered, Tokens.Read(changed).State);
            }
        }
    }

    [Fact]
    public void A_payload_rewritten_to_another_case_or_a_later_expiry_is_tampered()
    {
        var token = Tokens.Create("case-1", "pat.supervisor@example.org");
        var parts = token.Split('.');
        var json = Encoding.UTF8.GetString(FromBase64Url(parts[0]));
        var otherCase = json.Replace("\"case-1\"", "\"case-2\"", StringComparison.Ordinal);
        var laterExpiry = json.Replace($"\"E\":{T0.AddHours(1).ToUnixTimeSeconds()}", $"\"E\":{T0.AddYears(1).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        Assert.NotEqual(json, otherCase);
        Assert.NotEqual(json, laterExpiry);

        Assert.Equal(TokenState.Tampered, Tokens.Read($"{Base64Url(Encoding.UTF8.GetBytes(otherCase))}.{parts[1]}").State);
        Assert.Equal(TokenState.Tampered, Tokens.Read($"{Base64Url(Encoding.UTF8.GetBytes(laterExpiry))}.{parts[1]}").State);
    }

    [Fact]
    public void A_token_signed_with_another_key_is_tampered()
    {
        var otherKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("another-signing-key-32-bytes-long!!"));
        var foreign = TestCases.Tokens(_time, signingKey: otherKey).Create("case-1", "pat.supervisor@example.org");
        Assert.Equal(TokenState.Tampered, Tokens.Read(foreign).State);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("abc")]
    [InlineData("abc.")]
    [InlineData(".abc")]
    [InlineData("e30.e30")]
    [InlineData("not base64!.sig")]
    public void Malformed_tokens_are_tampered(string? token) => Assert.Equal(TokenState.Tampered, Tokens.Read(token).State);

    [Fact]
    public void Oversized_tokens_are_tampered_without_being_parsed() =>
        Assert.Equal(TokenState.Tampered, Tokens.Read(new string('A', 1025) + ".x").State);

    [Fact]
    public void A_token_expires_at_its_lifetime_and_not_before()
    {
        var token = Tokens.Create("case-1", "pat.supervisor@example.org");

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(TokenState.Valid, Tokens.Read(token).State);

        _time.Advance(TimeSpan.FromSeconds(1));
        var expired = Tokens.Read(token);
        Assert.Equal(TokenState.Expired, expired.State);
        Assert.Equal("case-1", expired.CaseId); // still identifies the case, so the page can say "expired" rather than "invalid"

        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(TokenState.Expired, Tokens.Read(token).State);
    }

    [Fact]
    public void The_lifetime_comes_from_the_settings()
    {
        var tokens = TestCases.Tokens(_time, lifetime: TimeSpan.FromDays(21));
        Assert.Equal(T0.AddDays(21), tokens.Read(tokens.Create("case-1", "pat.supervisor@example.org")).ExpiresAt);
    }

    [Fact]
    public void The_payload_carries_no_email_address_and_no_name()
    {
        var token = Tokens.Create("case-1", "Pat.Supervisor@example.org");
        var json = Encoding.UTF8.GetString(FromBase64Url(token.Split('.')[0]));
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(["C", "E", "K", "N", "S"], doc.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("@", json, StringComparison.Ordinal);
        Assert.DoesNotContain("pat", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("supervisor", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("example", json, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^[0-9A-F]{16}$", doc.RootElement.GetProperty("S").GetString()!);
    }

    [Fact]
    public void The_supervisor_tag_binds_the_address_case_insensitively_and_only_with_the_key()
    {
        var tokens = Tokens;
        Assert.Equal(tokens.SupervisorTag("pat.supervisor@example.org"), tokens.SupervisorTag(" PAT.Supervisor@Example.org "));
        Assert.NotEqual(tokens.SupervisorTag("pat.supervisor@example.org"), tokens.SupervisorTag("robin.supervisor@example.org"));

        var otherKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("another-signing-key-32-bytes-long!!"));
        Assert.NotEqual(tokens.SupervisorTag("pat.supervisor@example.org"), TestCases.Tokens(_time, signingKey: otherKey).SupervisorTag("pat.supervisor@example.org"));
    }

    [Fact]
    public void The_link_is_the_public_base_url_plus_the_token()
    {
        var tokens = TestCases.Tokens(_time, baseUrl: "https://optout.example.test/");
        var link = tokens.CreateLink(TestCases.Parties());
        Assert.StartsWith("https://optout.example.test/api/decisions/", link, StringComparison.Ordinal);
        var info = tokens.Read(link["https://optout.example.test/api/decisions/".Length..]);
        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal("case-tpl-1", info.CaseId);
    }

    [Fact]
    public void An_escalation_contacts_token_carries_its_role_and_binds_to_the_escalation_contact_as_such()
    {
        var token = Tokens.Create("case-1", "morgan.escalation@example.org", DecisionRole.EscalationContact);
        var info = Tokens.Read(token);

        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal(DecisionRole.EscalationContact, info.Role);
        Assert.Equal(Tokens.RecipientTag(DecisionRole.EscalationContact, "morgan.escalation@example.org"), info.SupervisorTag);
        Assert.NotEqual(Tokens.SupervisorTag("morgan.escalation@example.org"), info.SupervisorTag); // a role is part of the binding
        using var doc = JsonDocument.Parse(FromBase64Url(token.Split('.')[0]));
        Assert.Equal(["C", "E", "K", "N", "R", "S"], doc.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("E", doc.RootElement.GetProperty("R").GetString());
    }

    [Fact]
    public void A_token_emailed_before_roles_existed_still_works_and_means_the_supervisor()
    {
        // The payload exactly as the previous version wrote it: no R.
        var json = $"{{\"C\":\"case-1\",\"S\":\"{Tokens.SupervisorTag("pat.supervisor@example.org")}\",\"E\":{T0.AddHours(1).ToUnixTimeSeconds()},\"N\":\"0123456789ABCDEF\"}}";
        var info = Tokens.Read(Signed(json));

        Assert.Equal(TokenState.Valid, info.State);
        Assert.Equal(DecisionRole.Supervisor, info.Role);
        Assert.Equal("0123456789ABCDEF", info.TokenId);
    }

    [Fact]
    public void A_role_this_version_does_not_know_reads_as_not_valid_and_a_role_cannot_be_added_without_the_key()
    {
        var unknown = $"{{\"C\":\"case-1\",\"S\":\"0000000000000000\",\"E\":{T0.AddHours(1).ToUnixTimeSeconds()},\"N\":\"0123456789ABCDEF\",\"R\":\"X\"}}";
        Assert.Equal(TokenState.Tampered, Tokens.Read(Signed(unknown)).State);

        var supervisors = Tokens.Create("case-1", "pat.supervisor@example.org").Split('.');
        var json = Encoding.UTF8.GetString(FromBase64Url(supervisors[0])).Replace("}", ",\"R\":\"E\"}", StringComparison.Ordinal);
        Assert.Equal(TokenState.Tampered, Tokens.Read($"{Base64Url(Encoding.UTF8.GetBytes(json))}.{supervisors[1]}").State);
    }

    private static string Signed(string json)
    {
        var body = Base64Url(Encoding.UTF8.GetBytes(json));
        var key = Convert.FromBase64String(OptOut.Testing.TestSettings.SigningKey);
        return $"{body}.{Base64Url(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body)))}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}
