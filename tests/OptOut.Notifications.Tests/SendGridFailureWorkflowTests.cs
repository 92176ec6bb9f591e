using OptOut.Workflow.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OptOut.DevTools.Email;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Hosting;

namespace OptOut.Notifications.Tests;

/// <summary>When SendGrid keeps refusing, the activity fails, Durable retries it, and the case closes as Failed and stays readable.</summary>
public sealed class SendGridFailureWorkflowTests
{
    [Fact]
    public async Task A_case_whose_email_cannot_be_sent_closes_as_failed_and_is_kept()
    {
        await using var sink = await RecordingSendGridSink.StartAsync();
        sink.Otherwise = (400, """{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from","help":null}]}""");
        var sendGrid = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = "SG.test-only-key",
            ["SendGrid:FromEmail"] = "optout-automation@example.org",
            ["SendGrid:Host"] = sink.Url,
        }).Build();
        await using var host = await WorkflowTestHost.StartAsync(services: s => s.AddSendGridNotifier(sendGrid).AddSingleton<IEmailOutbox>(new InMemoryEmailOutbox(TimeProvider.System, TimeSpan.FromMinutes(1))));

        var caseId = await host.StartAsync(Requests.For("S-1005", "sendgrid-down-1"));
        var closed = await host.WaitForClosedAsync(caseId);

        Assert.Equal(nameof(CaseOutcome.Failed), closed.Outcome);
        Assert.Equal("Completed", closed.Status); // the orchestration ended on purpose, it did not crash
        Assert.Contains("SendNotificationActivity did not succeed after retries", closed.Detail, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", closed.Detail, StringComparison.Ordinal);
        Assert.Contains("could not be emailed", closed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("@", closed.Detail, StringComparison.Ordinal);

        // Retried by Durable (Workflow:RetryMaxAttempts = 2) for each of the three emails that go out together
        // (supervisor request, client, case manager update), then for the outcome email.
        Assert.Equal(8, sink.Requests.Count);
        Assert.Empty(host.Mailbox.All); // nothing went through the test mailbox: the real notifier was used

        var kept = await host.Get.HandleAsync(Caller.System, caseId, CancellationToken.None);
        Assert.NotNull(kept);
        Assert.Equal(nameof(CaseOutcome.Failed), kept.Outcome);
        foreach (var form in Requests.SsnForms("521110005"))
        {
            Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(form, StringComparison.Ordinal));
        }
    }
}
