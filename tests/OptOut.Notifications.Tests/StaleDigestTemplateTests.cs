using OptOut.Workflow.Cases;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Notifications;

namespace OptOut.Notifications.Tests;

/// <summary>The stale-case digest: one group per kind with what to do, every person-supplied value HTML-encoded.</summary>
public sealed class StaleDigestTemplateTests
{
    [Fact]
    public void Groups_follow_the_kinds_and_names_are_html_encoded()
    {
        var since = new DateTime(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);
        var cases = new[]
        {
            new StaleCase("c-crash", StaleKind.RuntimeFailed, "Ann <script>alert(1)</script>", "port-angeles", "Casey & Co", "VerifyingOptIn", since, 0),
            new StaleCase("c-wait", StaleKind.AwaitingSupervisor, "Bo O'Neil", "bremerton", "Casey Manager", "AwaitingSupervisor", since, 3),
        };

        var email = EmailTemplates.StaleDigest("stale-digest:2026-03-02:x", "2026-03-02", new Contact("Morgan", "morgan@example.org"), new EscalationOptions(), cases);

        Assert.Equal("Opt-out cases needing attention 2026-03-02: 2 case(s)", email.Subject);
        Assert.DoesNotContain("<script>", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Ann &lt;script&gt;alert(1)&lt;/script&gt;", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Casey &amp; Co", email.HtmlBody, StringComparison.Ordinal);
        var supervisorGroup = email.TextBody.IndexOf("== Waiting on an ESD WIOA supervisor decision for more than 5 day(s) (1) ==", StringComparison.Ordinal);
        var failureGroup = email.TextBody.IndexOf("== Runtime failure: the workflow crashed (runtime status Failed) (1) ==", StringComparison.Ordinal);
        Assert.True(supervisorGroup >= 0 && failureGroup > supervisorGroup, email.TextBody);
        Assert.Contains("- Case c-wait: Bo O'Neil, office bremerton, case manager Casey Manager, waiting since 2026-03-02 09:30, 3 reminder(s) sent.", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("- Case c-crash: Ann <script>alert(1)</script>, office port-angeles, case manager Casey & Co, crashed at stage VerifyingOptIn at 2026-03-02 09:30.", email.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Stuck for more than", email.TextBody, StringComparison.Ordinal); // no empty groups
    }
}
