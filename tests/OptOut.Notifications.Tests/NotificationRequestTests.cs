using Microsoft.DurableTask.Converters;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;

namespace OptOut.Notifications.Tests;

/// <summary>
/// The email activity's input as the durable engine stores it (the SDK's JSON data converter): the people on the case
/// only, and still readable when it was recorded with the whole case (activities retried from an older history).
/// </summary>
public sealed class NotificationRequestTests
{
    private static readonly JsonDataConverter Converter = JsonDataConverter.Default;

    [Fact]
    public void The_stored_email_input_carries_no_ssn_fingerprint_or_policy()
    {
        var c = TestCases.Case();
        var json = Converter.Serialize(new NotificationRequest(NotificationKind.SupervisorRequest, CaseParties.Of(c)))!;

        Assert.DoesNotContain(c.Client.ProtectedSsn, json, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCases.SsnLast4, json, StringComparison.Ordinal);
        Assert.DoesNotContain("ssn", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(c.Fingerprint, json, StringComparison.Ordinal);
        Assert.DoesNotContain("policy", json, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Elena", json, StringComparison.Ordinal);
        Assert.True(json.Length < 700, $"email input is {json.Length} characters");
    }

    [Fact]
    public void An_email_input_recorded_with_the_whole_case_still_reads()
    {
        var c = TestCases.Case();
        var old = Converter.Serialize(new { Kind = NotificationKind.SupervisorReminder, Case = c, Attempt = 2, Outcome = (CaseOutcome?)null, Detail = (string?)null })!;

        var request = Converter.Deserialize<NotificationRequest>(old)!;

        Assert.Equal(NotificationKind.SupervisorReminder, request.Kind);
        Assert.Equal(2, request.Attempt);
        Assert.Equal(CaseParties.Of(c).CaseId, request.Case.CaseId);
        Assert.Equal(c.Client.FullName, request.Case.Client.FullName);
        Assert.Equal(c.Client.Phone, request.Case.Client.Phone);
        Assert.Equal(c.Supervisor, request.Case.Supervisor);
        Assert.Equal(c.EscalationContact, request.Case.EscalationContact);
        Assert.Equal(c.CaseManager, request.Case.CaseManager);
        Assert.Equal(c.Reason, request.Case.Reason);
    }
}
