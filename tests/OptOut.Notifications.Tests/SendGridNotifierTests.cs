using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptOut.Infrastructure;
using OptOut.DevTools.Email;
using OptOut.Infrastructure.Email;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Notifications;

namespace OptOut.Notifications.Tests;

/// <summary>
/// The notifier as registered by AddSendGridNotifier (official SendGrid client, no HTTP-level retry) with the in-memory
/// outbox, talking HTTP to a local sink: the exact JSON SendGrid receives, one POST per attempt whatever the answer,
/// refusals that release the key, lost answers that are never re-sent, and failures that throw without PII.
/// The same rules on the shared table outbox, across instances, are in EmailOnceTests.
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
        _services = Services("00:00:10");
    }

    private ServiceProvider Services(string timeout)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = ApiKey,
            ["SendGrid:FromEmail"] = "optout-automation@example.org",
            ["SendGrid:FromName"] = "Opt-Out Case Automation",
            ["SendGrid:Host"] = _sink.Url + "/",
            ["SendGrid:Timeout"] = timeout,
            ["SendGrid:ClaimLease"] = "00:00:30",
        }).Build();
        return new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs))
            .AddSendGridNotifier(config)
            .AddSingleton<IEmailOutbox>(new InMemoryEmailOutbox(TimeProvider.System, TimeSpan.FromSeconds(30)))
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    private INotifier Notifier => _services.GetRequiredService<INotifier>();

    private InMemoryEmailOutbox Outbox => (InMemoryEmailOutbox)_services.GetRequiredService<IEmailOutbox>();

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
    public async Task A_transient_answer_is_not_retried_over_HTTP_it_releases_the_key_and_the_next_attempt_sends(int transient)
    {
        _sink.Then(transient, """{"errors":[{"message":"try later","field":null}]}""").Then(202);

        var e = await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.Equal(transient, e.StatusCode);
        Assert.Single(_sink.Requests); // one POST per attempt: Durable's activity retry is the retry
        Assert.Equal(OutboxState.Released, Outbox.StateOf(Message().Key));

        Assert.True(await Notifier.SendAsync(Message(), CancellationToken.None)); // the activity's retry

        var requests = _sink.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Body, requests[1].Body); // the retry re-sends the whole message
        Assert.Equal(requests[0].Authorization, requests[1].Authorization);
        Assert.Equal(OutboxState.Sent, Outbox.StateOf(Message().Key));
    }

    [Theory]
    [InlineData("drop")]
    [InlineData("stall")]
    [InlineData("504")]
    public async Task A_lost_answer_is_never_reposted_the_key_is_in_doubt_and_the_retry_does_not_send(string how)
    {
        _ = how switch
        {
            "drop" => _sink.ThenDrop(),
            "stall" => _sink.ThenStall(), // past SendGrid:Timeout (1 s for this case)
            _ => _sink.Then(504),
        };
        if (how == "stall")
        {
            await _services.DisposeAsync();
            _services = Services("00:00:01");
        }

        var e = await Assert.ThrowsAsync<EmailDeliveryInDoubtException>(() => Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.Equal(Message().Key, e.MessageKey);
        Assert.Single(_sink.Requests); // no HTTP-level retry of a POST SendGrid may have taken
        Assert.Equal(OutboxState.InDoubt, Outbox.StateOf(Message().Key));

        Assert.False(await Notifier.SendAsync(Message(), CancellationToken.None)); // the activity's retry: not sent again
        Assert.Single(_sink.Requests);
        AssertNoPersonalData(e.ToString());
        Assert.Contains(_logs.Lines, l => l.Contains("in doubt", StringComparison.Ordinal) && l.Contains(Message().Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_SendGrid_releases_the_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = ApiKey,
            ["SendGrid:FromEmail"] = "optout-automation@example.org",
            ["SendGrid:Host"] = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}", // nothing listens there
        }).Build();
        var outbox = new InMemoryEmailOutbox(TimeProvider.System, TimeSpan.FromMinutes(1));
        await using var services = new ServiceCollection().AddLogging().AddSendGridNotifier(config).AddSingleton<IEmailOutbox>(outbox).BuildServiceProvider();

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => services.GetRequiredService<INotifier>().SendAsync(Message(), CancellationToken.None));

        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Equal(OutboxState.Released, outbox.StateOf(Message().Key));
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

        // Not recorded as sent: the claim is released and the activity's retry sends it again.
        Assert.Equal(OutboxState.Released, Outbox.StateOf(Message().Key));
        await Assert.ThrowsAsync<EmailDeliveryException>(() => Notifier.SendAsync(Message(), CancellationToken.None));
        Assert.Equal(2, _sink.Requests.Count);
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

    [Fact]
    public void A_claim_lease_shorter_than_twice_the_timeout_fails_at_start_up()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SendGrid:ApiKey"] = ApiKey,
            ["SendGrid:FromEmail"] = "optout-automation@example.org",
            ["SendGrid:Timeout"] = "00:00:20",
            ["SendGrid:ClaimLease"] = "00:00:30",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSendGridNotifier(config).BuildServiceProvider();

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SendGridOptions>>().Value);
        Assert.Contains("SendGrid:ClaimLease must be at least twice SendGrid:Timeout", e.Message, StringComparison.Ordinal);
    }

    private static void AssertNoPersonalData(string text)
    {
        Assert.DoesNotContain("pat.supervisor@example.org", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Pat Supervisor", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Elena", text, StringComparison.Ordinal);
    }
}
