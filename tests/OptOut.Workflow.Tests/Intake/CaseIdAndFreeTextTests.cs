using System.Text.RegularExpressions;
using OptOut.Testing;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Protection;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Tests.Intake;

/// <summary>Nothing personal where it does not belong: case ids (instance ids, table keys, URLs, subjects) and free text.</summary>
public sealed partial class CaseIdAndFreeTextTests
{
    [Theory]
    [InlineData("521110005")]
    [InlineData("521-11-0005")]
    [InlineData("case-521-11-0005")]
    [InlineData("client_521110005_x")]
    public void A_case_id_that_holds_an_ssn_is_refused(string caseId)
    {
        var request = Requests.For("S-1005", caseId);
        var errors = IntakeValidator.Validate(request, _ => true);
        Assert.Contains("caseId", errors.Keys);
        Assert.DoesNotContain(caseId, string.Join(" ", errors["caseId"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo-1")]
    [InlineData("case-20261202-abc")]
    [InlineData("1234567890")] // ten digits: not an SSN's shape
    public void Ordinary_case_ids_are_accepted(string caseId) =>
        Assert.DoesNotContain("caseId", IntakeValidator.Validate(Requests.For("S-1005", caseId), _ => true).Keys);

    [Fact]
    public void Ids_the_app_makes_are_letters_after_the_date_and_never_ssn_shaped()
    {
        for (var i = 0; i < 2000; i++)
        {
            var id = CaseIds.New(new DateTimeOffset(2026, 12, 2, 23, 59, 0, TimeSpan.Zero));
            Assert.Matches(NewId(), id);
            Assert.False(Ssn.ContainsSsnShaped(id), id);
        }

        var fingerprint = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.Equal(CaseIds.FromFingerprint(fingerprint), CaseIds.FromFingerprint(fingerprint));
        Assert.Matches(QueueId(), CaseIds.FromFingerprint(fingerprint));
    }

    [Theory]
    [InlineData("Moved to Spokane. SSN 521-11-0005", "SSN")]
    [InlineData("call 521 11 0005", "SSN")]
    [InlineData("bell\u0007", "control characters")]
    [InlineData("right-to-left \u202E override", "control characters")]
    public void Free_text_with_an_ssn_or_control_characters_is_refused_without_echoing_it(string text, string problem)
    {
        var message = IntakeValidator.FreeTextProblem("reason", text, 500);
        Assert.NotNull(message);
        Assert.Contains(problem, message, StringComparison.Ordinal);
        Assert.DoesNotContain("0005", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_text_over_its_limit_is_refused_and_line_breaks_are_fine()
    {
        Assert.Contains("at most 500", IntakeValidator.FreeTextProblem("reason", new string('a', 501), 500), StringComparison.Ordinal);
        Assert.Null(IntakeValidator.FreeTextProblem("reason", new string('a', 500), 500));
        Assert.Null(IntakeValidator.FreeTextProblem("reason", "Client moved.\r\nNew office:\tBremerton", 500));
    }

    [GeneratedRegex("^case-20261202-[a-z]{16}$")]
    private static partial Regex NewId();

    [GeneratedRegex("^queue-[a-z]{16}$")]
    private static partial Regex QueueId();
}
