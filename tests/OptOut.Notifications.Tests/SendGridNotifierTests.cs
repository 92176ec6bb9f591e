using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Notifications;

namespace OptOut.Notifications.Tests;

/// <summary>
/// The notifier as registered by AddSendGridNotifier (official SendGrid client, standard resilience handler), talking
/// HTTP to a local sink: the exact JSON SendGrid receives, retries of 503/429, and failures that throw without PII.
/// </summary>
public sealed class SendGridNotifierTests : IAsyncLifetime
{
    private const string ApiKey = "SG.test-only-key";
    private RecordingSendGridSink _sink = null!;
    private ServiceProvider _services = null!;
    private readonly CapturedLogs _logs = new();

    public async Task InitializeAsync()
    {
        _sink = await RecordingSendGridSink.StartAsync();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = ApiKey,
            ["SendGrid:FromEmail"] = "optout-automation@example.org",
            ["SendGrid:FromName"] = "Opt-Out Case Automation",
            ["SendGrid:Host"] = _sink.Url + "/",
        }).Build();
        _services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs))
            .AddSendGridNotifier(config)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    private INotifier Notifier => _services.GetRequiredService<INotifier>();

    private static EmailMessage Message(string key = "case-1:SupervisorRequest:1") =>
        new(key, new Contact("Pat Supervisor", "pat.supervisor@example.org"), "Opt-in request: Elena Optout (case case-1)", "Hello Pat,\n\nText body.\n", "<!DOCTYPE html><html lang=\"en\"><body><p>Hello Pat,</p></body></html>");

    [Fact]
    public async Task SendGrid_receives_exactly_the_v3_message_with_key_and_no_click_tracking()
    {
        var m = Message();
        Assert.True(await Notifier.SendAsync(m, CancellationToken.None));

        var r = Assert.Single(_sink.Requests);
        Assert.Equal("POST", r.Method);
        Assert.Equal("/v3/mail/send", r.Path);
        Assert.Equal($"Bearer {ApiKey}", r.Authorization);
        Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal);

        var expected = new JsonObject
        {
            ["from"] = new JsonObject { ["name"] = "Opt-Out Case Automation", ["email"] = "optout-automation@example.org" },
            ["personalizations"] = new JsonArray(new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject { ["name"] = "Pat Supervisor", ["email"] = "pat.supervisor@example.org" }),
                ["subject"] = m.Subject,
            }),
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "text/plain", ["value"] = m.TextBody },
                new JsonObject { ["type"] = "text/html", ["value"] = m.HtmlBody }),
            ["custom_args"] = new JsonObject { ["messageKey"] = m.Key },
            ["tracking_settings"] = new JsonObject { ["click_tracking"] = new JsonObject { ["enable"] = false, ["enable_text"] = false } },
        };
        var actual = JsonNode.Parse(r.Body)!;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"SendGrid received:\n{actual.ToJsonString()}");
    }

    [Fact]
    public async Task A_key_already_sent_is_not_sent_again()
    {
        Assert.True(await Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.False(await Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.True(await Notifier.SendAsync(Message("case-1:SupervisorReminder:1"), CancellationToken.None));
        Assert.Equal(2, _sink.Requests.Count);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task A_transient_answer_is_retried_and_the_send_succeeds(int transient)
    {
        _sink.Then(transient, """{"errors":[{"message":"try later","field":null}]}""").Then(202);

        Assert.True(await Notifier.SendAsync(Message(), CancellationToken.None));

        var requests = _sink.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Body, requests[1].Body); // the retry re-sends the whole message
        Assert.Equal(requests[0].Authorization, requests[1].Authorization);
    }

    [Fact]
    public async Task A_persistent_400_throws_at_once_without_personal_data()
    {
        _sink.Otherwise = (400, """{"errors":[{"message":"Does not contain a valid address: pat.supervisor@example.org (Pat Supervisor)","field":"personalizations.0.to.0.email","help":null}]}""");

        var e = await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(400, e.StatusCode);
        Assert.Single(_sink.Requests); // 400 is not transient: no retry
        Assert.Contains("HTTP 400", e.Message, StringComparison.Ordinal);
        Assert.Contains("case-1:SupervisorRequest:1", e.Message, StringComparison.Ordinal);
        Assert.Contains("personalizations.0.to.0.email", e.Message, StringComparison.Ordinal);
        AssertNoPersonalData(e.ToString());
        Assert.Contains(_logs.Lines, l => l.Contains("HTTP 400", StringComparison.Ordinal));
        foreach (var line in _logs.Lines)
        {
            AssertNoPersonalData(line);
        }

        // Not recorded as sent: the activity's retry sends it again.
        await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.Equal(2, _sink.Requests.Count);
    }

    [Fact]
    public async Task A_persistent_503_is_retried_three_times_then_throws()
    {
        _sink.Otherwise = (503, "");
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(503, e.StatusCode);
        Assert.Equal(4, _sink.Requests.Count);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), $"retries should back off; took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_wrong_key_throws_401_and_the_key_is_in_no_message()
    {
        _sink.Otherwise = (401, """{"errors":[{"field":null,"message":"The provided authorization grant is invalid, expired, or revoked","help":null}]}""");

        var e = await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(401, e.StatusCode);
        Assert.DoesNotContain(ApiKey, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains(ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_settings_fail_at_start_up_with_a_clear_message()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SendGrid:FromEmail"] = "not-an-address" }).Build();
        using var services = new ServiceCollection().AddLogging().AddSendGridNotifier(config).BuildServiceProvider();

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SendGridOptions>>().Value);
        Assert.Contains("SendGrid:ApiKey is required", e.Message, StringComparison.Ordinal);
        Assert.Contains("FromEmail", e.Message, StringComparison.Ordinal);
    }

    private static void AssertNoPersonalData(string text)
    {
        Assert.DoesNotContain("pat.supervisor@example.org", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Pat Supervisor", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Elena", text, StringComparison.Ordinal);
    }
}
