using OptOut.Testing;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Tests.IntakeTests;

/// <summary>Each intake rule on its own: a valid request with one field changed gets exactly that field's error.</summary>
public sealed class IntakeValidatorTests
{
    private static readonly Func<string, bool> Offices = code => code.Equals("port-angeles", StringComparison.OrdinalIgnoreCase) || code.Equals("bremerton", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string[]> Validate(Action<CaseIntakeRequest> change)
    {
        var request = Requests.For("S-1005", "case-1");
        change(request);
        return IntakeValidator.Validate(request, Offices);
    }

    private static void AssertOnly(Dictionary<string, string[]> errors, string field, string? messagePart = null)
    {
        Assert.True(errors.Count == 1 && errors.ContainsKey(field), $"Expected only {field}; got: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}"))}");
        if (messagePart is not null)
        {
            Assert.Contains(errors[field], m => m.Contains(messagePart, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Valid_request_for_every_seeded_participant_has_no_errors()
    {
        foreach (var id in new[] { "S-1001", "S-1002", "S-1003", "S-1004", "S-1005", "S-1006", "S-1007" })
        {
            Assert.Empty(IntakeValidator.Validate(Requests.For(id, $"case-{id}"), Offices));
            Assert.Empty(IntakeValidator.Validate(Requests.For(id, caseId: null, office: "BREMERTON", clientEmail: null), Offices));
        }
    }

    [Fact]
    public void Null_request_is_an_error_at_the_root() =>
        AssertOnly(IntakeValidator.Validate(null, Offices), "$");

    [Theory]
    [InlineData("a")]
    [InlineData("case_2026-11-01-ABC")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void CaseId_accepts_letters_digits_dash_underscore_up_to_64(string caseId) =>
        Assert.Empty(Validate(r => r.CaseId = caseId));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("abc\n")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("dot.inside")]
    [InlineData("ümlaut")]
    [InlineData("'; DROP TABLE cases;--")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    public void CaseId_outside_the_pattern_is_rejected(string caseId) =>
        AssertOnly(Validate(r => r.CaseId = caseId), "caseId");

    [Fact]
    public void Missing_sections_are_reported_by_name()
    {
        var errors = IntakeValidator.Validate(new CaseIntakeRequest(), Offices);
        Assert.Equal(["caseManager", "client", "reason"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_missing_field_is_reported_at_its_json_path()
    {
        var errors = IntakeValidator.Validate(new CaseIntakeRequest { CaseManager = new(), Client = new(), Reason = " " }, Offices);
        Assert.Equal(
            ["caseManager.email", "caseManager.name", "caseManager.office", "client.firstName", "client.lastName", "client.phone", "client.ssn", "reason"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Where(e => e.Key != "reason"), e => Assert.Contains(e.Value, m => m.EndsWith("is required.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Mary-Jo O'Neil")]
    [InlineData("José Álvarez")]
    [InlineData("Nguyễn")]
    [InlineData("King, Jr.")]
    [InlineData("St. John")]
    [InlineData("Null")]
    [InlineData("D’Arcy")]
    [InlineData("김민준")]
    [InlineData("𠜎𠜱")]
    public void Names_accept_letters_of_any_script_and_name_punctuation(string name) =>
        Assert.Empty(Validate(r => r.Client!.FirstName = name));

    [Theory]
    [InlineData("<script>alert(1)</script>", "client.firstName")]
    [InlineData("Robert'); DROP TABLE Students;--", "client.firstName")]
    [InlineData("R2D2", "client.firstName")]
    [InlineData("---", "client.firstName")]
    [InlineData("admin'--", "client.firstName")]
    [InlineData("-Dash", "client.firstName")]
    [InlineData("O''Neil", "client.firstName")]
    [InlineData("Trailing-", "client.firstName")]
    [InlineData("Tab\tName", "client.firstName")]
    [InlineData("Zero\u200bWidth", "client.firstName")]
    [InlineData("Bidi\u202eeman", "client.firstName")]
    [InlineData("Lone\ud800", "client.firstName")]
    public void Names_reject_markup_digits_symbols_and_invisible_characters(string name, string field)
    {
        AssertOnly(Validate(r => r.Client!.FirstName = name), field, "may contain only letters");
        AssertOnly(Validate(r => r.Client!.LastName = name), "client.lastName");
        AssertOnly(Validate(r => r.CaseManager!.Name = name), "caseManager.name");
    }

    [Fact]
    public void Names_longer_than_100_characters_are_rejected()
    {
        Assert.Empty(Validate(r => r.Client!.LastName = new string('a', 100)));
        AssertOnly(Validate(r => r.Client!.LastName = new string('a', 101)), "client.lastName", "at most 100");
    }

    [Theory]
    [InlineData("360-555-0100")]
    [InlineData("(360) 555-0100")]
    [InlineData("360.555.0100")]
    [InlineData("3605550100")]
    [InlineData("+1 360 555 0100")]
    [InlineData("1-360-555-0100")]
    public void Phone_accepts_us_formats(string phone)
    {
        Assert.Empty(Validate(r => r.Client!.Phone = phone));
        Assert.Equal("360-555-0100", IntakeValidator.NormalizePhone(phone));
    }

    [Theory]
    [InlineData("555-0100")]
    [InlineData("360-555-01000")]
    [InlineData("060-555-0100")]
    [InlineData("160-555-0100")]
    [InlineData("360-055-0100")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("360-555-010O")]
    [InlineData("360-555-0100 ext 5")]
    [InlineData("tel:3605550100")]
    [InlineData("３６０５５５０１００")]
    public void Phone_rejects_non_us_or_malformed_numbers(string phone) =>
        AssertOnly(Validate(r => r.Client!.Phone = phone), "client.phone", "10-digit US phone");

    [Theory]
    [InlineData("casey@example.org")]
    [InlineData("first.last+tag@sub.example.co.uk")]
    [InlineData(" padded@example.org ")]
    public void Email_accepts_ordinary_addresses(string email)
    {
        Assert.Empty(Validate(r => r.CaseManager!.Email = email));
        Assert.Empty(Validate(r => r.Client!.Email = email));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("no-at.example.org")]
    [InlineData("two@@example.org")]
    [InlineData("nodot@localhost")]
    [InlineData("Display Name <casey@example.org>")]
    [InlineData("\"quoted local\"@example.org")]
    [InlineData("casey@example.org\nBcc: victim@example.org")]
    [InlineData("casey@-example.org")]
    [InlineData("casé@example.org")]
    public void Email_rejects_malformed_or_header_injection_addresses(string email)
    {
        AssertOnly(Validate(r => r.CaseManager!.Email = email), "caseManager.email", "valid email");
        AssertOnly(Validate(r => r.Client!.Email = email), "client.email", "valid email");
    }

    [Fact]
    public void Email_longer_than_254_is_rejected_and_client_email_is_optional()
    {
        AssertOnly(Validate(r => r.CaseManager!.Email = new string('a', 64) + "@" + string.Join(".", Enumerable.Repeat(new string('b', 60), 4)) + ".org"), "caseManager.email");
        Assert.Empty(Validate(r => r.Client!.Email = null));
        Assert.Empty(Validate(r => r.Client!.Email = "  "));
    }

    [Theory]
    [InlineData("port-angeles")]
    [InlineData("PORT-ANGELES")]
    [InlineData(" bremerton ")]
    public void Office_must_be_a_configured_code_case_insensitively(string office) =>
        Assert.Empty(Validate(r => r.CaseManager!.Office = office));

    [Theory]
    [InlineData("seattle")]
    [InlineData("port angeles")]
    [InlineData("port-angeles\u0000")]
    [InlineData("../../etc/passwd")]
    public void Unknown_office_is_rejected(string office) =>
        AssertOnly(Validate(r => r.CaseManager!.Office = office), "caseManager.office", "not a known office");

    [Fact]
    public void Office_longer_than_64_is_rejected_without_lookup() =>
        AssertOnly(IntakeValidator.Validate(With(r => r.CaseManager!.Office = new string('x', 65)), _ => throw new InvalidOperationException("must not look up")), "caseManager.office");

    [Theory]
    [InlineData("521-11-0005")]
    [InlineData("521110005")]
    [InlineData("521 11 0005")]
    [InlineData(" 521-11-0005 ")]
    [InlineData("899-99-9999")]
    [InlineData("001-01-0001")]
    public void Ssn_accepts_issuable_numbers_with_or_without_separators(string ssn) =>
        Assert.Empty(Validate(r => r.Client!.Ssn = ssn));

    [Theory]
    [InlineData("52111000", "9 digits")]
    [InlineData("5211100055", "9 digits")]
    [InlineData("521-11-000A", "9 digits")]
    [InlineData("521/11/0005", "9 digits")]
    [InlineData("５２１１１０００５", "9 digits")]
    [InlineData("' OR 1=1 --", "9 digits")]
    [InlineData("-521110005", "9 digits")]
    [InlineData("521-11 0005", "9 digits")]
    [InlineData("52-111-0005", "9 digits")]
    [InlineData("521--11-0005", "9 digits")]
    [InlineData("000-12-3456", "area number")]
    [InlineData("666-12-3456", "area number")]
    [InlineData("900-12-3456", "area number")]
    [InlineData("999-99-9999", "area number")]
    [InlineData("123-00-4567", "group number")]
    [InlineData("123-45-0000", "serial number")]
    public void Ssn_rejects_malformed_and_never_issued_numbers(string ssn, string messagePart)
    {
        var errors = Validate(r => r.Client!.Ssn = ssn);
        AssertOnly(errors, "client.ssn", messagePart);
        var digits = new string(ssn.Where(char.IsAsciiDigit).ToArray());
        Assert.All(errors["client.ssn"], m => Assert.DoesNotContain(digits.Length >= 8 ? digits : ssn, m, StringComparison.Ordinal));
    }

    [Fact]
    public void Ssn_rules_match_the_protection_helpers()
    {
        Assert.Equal("521110005", Ssn.Normalize("521-11-0005"));
        Assert.Null(Ssn.Normalize(new string('1', 21)));
        Assert.Equal("***-**-0005", Ssn.Mask("521110005"));
    }

    [Fact]
    public void Reason_is_required_bounded_and_free_of_control_characters()
    {
        Assert.Empty(Validate(r => r.Reason = "Line one.\r\nLine two.\tTabbed."));
        Assert.Empty(Validate(r => r.Reason = new string('r', 1000)));
        AssertOnly(Validate(r => r.Reason = new string('r', 1001)), "reason", "at most 1000");
        AssertOnly(Validate(r => r.Reason = null), "reason", "required");
        AssertOnly(Validate(r => r.Reason = "bell\u0007"), "reason", "control characters");
        AssertOnly(Validate(r => r.Reason = "null\u0000byte"), "reason", "control characters");
        AssertOnly(Validate(r => r.Reason = "lone \udc00 surrogate"), "reason");
        AssertOnly(Validate(r => r.Reason = "Her SSN is 521-11-0005."), "reason", "must not contain an SSN");
        AssertOnly(Validate(r => r.Reason = "ssn 521110005"), "reason", "must not contain an SSN");
        Assert.Empty(Validate(r => r.Reason = "Call her at 360-555-0105 or 3605550105 about case 2026-11."));
    }

    [Fact]
    public void Errors_never_echo_the_submitted_values()
    {
        var request = new CaseIntakeRequest
        {
            CaseId = "bad id <x>",
            CaseManager = new CaseManagerDto { Name = "<b>evil</b>", Email = "evil-at-example", Office = "evil-office" },
            Client = new ClientDto { FirstName = "<i>", LastName = "1", Phone = "998", Email = "x@y", Ssn = "666-12-3457" },
            Reason = "ok",
        };
        var text = string.Join("\n", IntakeValidator.Validate(request, Offices).SelectMany(e => e.Value));
        foreach (var value in new[] { "bad id", "<b>", "evil", "<i>", "998", "x@y", "12-3457", "3457" })
        {
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
    }

    private static CaseIntakeRequest With(Action<CaseIntakeRequest> change)
    {
        var request = Requests.For("S-1005", "case-1");
        change(request);
        return request;
    }
}
