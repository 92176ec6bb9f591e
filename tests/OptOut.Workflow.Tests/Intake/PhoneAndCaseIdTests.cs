using OptOut.Workflow.Intake;

namespace OptOut.Workflow.Tests.Intake;

/// <summary>The accepted phone forms (docs/intake.md) and the case id's one letter case.</summary>
public sealed class PhoneAndCaseIdTests
{
    [Theory]
    [InlineData("(360)555-0100")]
    [InlineData("(360) 555-0100")]
    [InlineData("(360)-555-0100")]
    [InlineData("+1 360.555.0100")]
    [InlineData("+1 (360) 555-0100")]
    [InlineData("+13605550100")]
    [InlineData("1 360 555 0100")]
    [InlineData("360 555-0100")]
    [InlineData("360.555-0100")]
    [InlineData(" 360-555-0100 ")]
    public void Odd_but_real_forms_normalise(string phone) =>
        Assert.Equal("360-555-0100", IntakeValidator.NormalizePhone(phone));

    [Theory]
    [InlineData("3-6-0-5-5-5-0-1-0-0")]
    [InlineData("((360)) 555-0100")]
    [InlineData("(360 555-0100")]
    [InlineData("360) 555-0100")]
    [InlineData("360--555-0100")]
    [InlineData("360 - 555 - 0100")]
    [InlineData("36-05-55-01-00")]
    [InlineData("++1 360 555 0100")]
    [InlineData("+2 360 555 0100")]
    [InlineData("360-5550-100")]
    [InlineData("(3605550100)")]
    [InlineData("-360-555-0100")]
    [InlineData("360-555-0100-")]
    [InlineData("..3605550100")]
    public void Junk_around_ten_digits_is_refused(string phone) =>
        Assert.Null(IntakeValidator.NormalizePhone(phone));

    [Theory]
    [InlineData("PA-2026-11-0042", "pa-2026-11-0042")]
    [InlineData("pa-2026-11-0042", "pa-2026-11-0042")]
    [InlineData("Demo_1", "demo_1")]
    public void Case_ids_are_kept_in_lower_case(string typed, string kept) =>
        Assert.Equal(kept, IntakeValidator.NormalizeCaseId(typed));

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(" demo-1")]
    [InlineData("é-1")]
    [InlineData("İ-1")] // would lower-case outside the pattern's ASCII letters
    public void Invalid_case_ids_have_no_normal_form(string typed) =>
        Assert.Null(IntakeValidator.NormalizeCaseId(typed));
}
