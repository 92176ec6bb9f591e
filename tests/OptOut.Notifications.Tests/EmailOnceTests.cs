using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Infrastructure.Storage;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;
using Xunit.Abstractions;

namespace OptOut.Notifications.Tests;

/// <summary>
/// Each email once, across instances: the real <see cref="SendGridNotifier"/> over HTTP to a real sink, with the table
/// outbox on a real Azurite. Every "instance" is its own service provider (its own process memory), as two app
/// instances are; they share only the storage account. docs/email-and-decisions.md, "Each email once".
/// </summary>
public sealed class EmailOnceTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly CapturedLogs _logs = new();
    private RecordingSendGridSink _sink = null!;

    public async Task InitializeAsync() => _sink = await RecordingSendGridSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    [Fact]
    public async Task An_answer_lost_after_SendGrid_took_the_message_fails_the_activity_and_the_retry_sends_nothing()
    {
        // Each message's first POST is read in full and recorded (SendGrid took it), then the connection drops.
        _sink.DropFirstPerKey = true;
        var config = Config();
        await using var host = await WorkflowTestHost.StartAsync(services: s => s.AddSendGridNotifier(config).AddTableEmailOutbox(config));

        var caseId = await host.StartAsync(Requests.For("S-1005", Requests.UniqueId("email-once")));
        var waiting = await host.WaitForSupervisorEmailedAsync(caseId);

        Assert.False(waiting.IsClosed); // the workflow went on: the retries found the messages in doubt, not failed
        var counts = _sink.CountsByKey();
        foreach (var kind in new[] { NotificationKind.SupervisorRequest, NotificationKind.ClientContactSupervisor, NotificationKind.CaseManagerUpdate })
        {
            Assert.True(counts.TryGetValue($"{caseId}:{kind}:1", out var n) && n == 1, $"{kind}: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}");
        }

        Assert.All(counts, c => Assert.Equal(1, c.Value)); // exactly one email per message key reached SendGrid
        var failed = host.Durable.For(caseId).Count(r => r.Kind == "history:TaskFailed");
        Assert.True(failed >= 3, $"each of the three first attempts failed and was retried by Durable; TaskFailed events: {failed}");
        foreach (var kind in new[] { NotificationKind.SupervisorRequest, NotificationKind.ClientContactSupervisor, NotificationKind.CaseManagerUpdate })
        {
            Assert.Equal(nameof(OutboxState.InDoubt), (await Row($"{caseId}:{kind}:1"))["State"]);
        }
    }

    [Fact]
    public async Task Two_instances_sending_the_same_key_while_the_first_is_in_flight_send_one_email()
    {
        await using var a = Instance();
        await using var b = Instance();
        var message = Message($"case-{Guid.NewGuid():N}:SupervisorRequest:1");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sink.ThenHold(release); // instance A's POST is at SendGrid, not answered yet

        var first = a.Notifier.SendAsync(message, CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(_sink.Requests.Count), n => n >= 1, TimeSpan.FromSeconds(30), n => $"A's POST did not arrive ({n})", TimeSpan.FromMilliseconds(20));

        var e = await Assert.ThrowsAsync<EmailSendInProgressException>(() => b.Notifier.SendAsync(message, CancellationToken.None));
        Assert.Equal(message.Key, e.MessageKey);
        release.SetResult();
        Assert.True(await first);
        Assert.False(await b.Notifier.SendAsync(message, CancellationToken.None)); // B's retry: already sent

        Assert.Single(_sink.Requests);
        var row = await Row(message.Key);
        Assert.Equal(nameof(OutboxState.Sent), row["State"]);
        Assert.Equal("sink-1", row["ProviderMessageId"]);
    }

    [Fact]
    public async Task Two_instances_racing_on_many_keys_send_each_key_once()
    {
        await using var a = Instance();
        await using var b = Instance();
        var prefix = $"race-{Guid.NewGuid():N}";
        var messages = Enumerable.Range(1, 20).Select(i => Message($"{prefix}-{i}:CaseManagerUpdate:1")).ToList();

        var results = await Task.WhenAll(messages.SelectMany(m => new[] { Attempt(a, m), Attempt(b, m) }));

        var counts = _sink.CountsByKey();
        foreach (var m in messages)
        {
            Assert.Equal(1, counts.GetValueOrDefault(m.Key));
            var outcomes = results.Where(r => r.Key == m.Key).Select(r => r.Outcome).Order(StringComparer.Ordinal).ToList();
            Assert.Contains("sent", outcomes);
            Assert.Single(outcomes, "sent");
        }

        Assert.Equal(messages.Count, _sink.Requests.Count);

        static async Task<(string Key, string Outcome)> Attempt(Instance instance, EmailMessage m)
        {
            try
            {
                return (m.Key, await instance.Notifier.SendAsync(m, CancellationToken.None) ? "sent" : "already sent");
            }
            catch (EmailSendInProgressException)
            {
                return (m.Key, "in progress");
            }
        }
    }

    [Fact]
    public async Task A_refused_send_releases_the_key_and_the_retry_on_another_instance_sends_it()
    {
        await using var a = Instance();
        await using var b = Instance();
        var message = Message($"case-{Guid.NewGuid():N}:SupervisorReminder:2");
        _sink.Then(400, """{"errors":[{"message":"bad","field":"from.email","help":null}]}""");

        var e = await Assert.ThrowsAsync<EmailDeliveryException>(() => a.Notifier.SendAsync(message, CancellationToken.None));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(nameof(OutboxState.Released), (await Row(message.Key))["State"]);

        Assert.True(await b.Notifier.SendAsync(message, CancellationToken.None));
        Assert.False(await a.Notifier.SendAsync(message, CancellationToken.None));

        Assert.Equal(2, _sink.Requests.Count);
        var row = await Row(message.Key);
        Assert.Equal(nameof(OutboxState.Sent), row["State"]);
        Assert.Equal(2, row.GetInt32("Claims"));
    }

    /// <summary>
    /// The one unprotected window: SendGrid took the message and the instance died before it recorded "sent". Until
    /// the claim's lease runs out no instance sends the key; after it, the next attempt sends it again, so SendGrid
    /// gets it a second time. Measured here with an injected clock.
    /// </summary>
    [Fact]
    public async Task An_instance_killed_after_the_send_blocks_the_key_for_the_lease_and_then_the_key_is_sent_once_more()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var message = Message($"case-{Guid.NewGuid():N}:SupervisorRequest:1");
        await using (var dying = Instance(clock, killedAfterSend: true))
        {
            await Assert.ThrowsAsync<ProcessKilledException>(() => dying.Notifier.SendAsync(message, CancellationToken.None));
        }

        Assert.Single(_sink.Requests); // the send was done
        var killedAt = clock.GetUtcNow();

        // A new instance (fresh process memory) retries the activity within the lease: not sent.
        await using var next = Instance(clock);
        clock.Advance(Lease - TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<EmailSendInProgressException>(() => next.Notifier.SendAsync(message, CancellationToken.None));
        Assert.Single(_sink.Requests);
        var claimed = await Row(message.Key);
        Assert.Equal(nameof(OutboxState.Claimed), claimed["State"]); // claimed and sent; "sent" was never written
        Assert.Equal(killedAt + Lease, claimed.GetDateTimeOffset("LeaseUntil")!.Value);

        // After the lease: the claim is taken over and the message goes out a second time (documented), then never again.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await next.Notifier.SendAsync(message, CancellationToken.None));
        Assert.False(await next.Notifier.SendAsync(message, CancellationToken.None));
        Assert.Equal(2, _sink.Requests.Count);
        var sent = await Row(message.Key);
        Assert.Equal(nameof(OutboxState.Sent), sent["State"]);
        Assert.Equal(2, sent.GetInt32("Claims"));
        Assert.Contains(_logs.Lines, l => l.Contains("taken over", StringComparison.Ordinal) && l.Contains(message.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_unprotected_window_is_one_round_trip_to_SendGrid()
    {
        await using var instance = Instance();
        var windows = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var message = Message($"case-{Guid.NewGuid():N}:CaseManagerOutcome:1");
            Assert.True(await instance.Notifier.SendAsync(message, CancellationToken.None));
            var row = await Row(message.Key);
            windows.Add(row.GetDateTimeOffset("SentAt")!.Value - row.GetDateTimeOffset("ClaimedAt")!.Value);
        }

        // From the claim to the "sent" mark: the POST's round trip plus one table write. A crash inside it is the only
        // way to a second email, and only after the lease; the lease is far longer than this window.
        output.WriteLine($"claim -> sent: {string.Join(", ", windows.Select(w => $"{w.TotalMilliseconds:F0} ms"))}; lease {Lease.TotalSeconds} s");
        Assert.All(windows, w => Assert.True(w < Lease / 2, $"window {w}"));
    }

    [Fact]
    public async Task Rows_hold_no_personal_data_and_keys_are_escaped()
    {
        await using var instance = Instance();
        var message = Message($"case/{Guid.NewGuid():N}#?:SupervisorRequest:1");

        Assert.True(await instance.Notifier.SendAsync(message, CancellationToken.None));

        var (pk, rk) = TableEmailOutbox.Keys(message.Key);
        Assert.DoesNotContain('/', pk + rk);
        Assert.DoesNotContain('#', pk + rk);
        var row = await Row(message.Key);
        foreach (var value in row.Select(kv => kv.Value?.ToString() ?? "").Append(row.PartitionKey).Append(row.RowKey))
        {
            Assert.DoesNotContain("@", value, StringComparison.Ordinal);
            Assert.DoesNotContain("Pat", value, StringComparison.Ordinal);
            Assert.DoesNotContain("Elena", value, StringComparison.Ordinal);
            Assert.DoesNotContain(TestCases.SsnLast4, value, StringComparison.Ordinal);
        }
    }

    private IConfiguration Config() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["SendGrid:ApiKey"] = "SG.test-only-key",
        ["SendGrid:FromEmail"] = "optout-automation@example.org",
        ["SendGrid:Host"] = _sink.Url,
        ["SendGrid:Timeout"] = "00:00:10",
        ["SendGrid:ClaimLease"] = $"{Lease:c}",
    }).Build();

    /// <summary>One app instance: its own container and memory; the storage account is all it shares.</summary>
    private Instance Instance(TimeProvider? time = null, bool killedAfterSend = false)
    {
        var config = Config();
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(_logs));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSendGridNotifier(config).AddTableEmailOutbox(config);
        if (killedAfterSend)
        {
            services.AddHttpClient<INotifier, SendGridNotifier>().AddHttpMessageHandler(() => new KilledAfterSend());
        }

        return new Instance(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    private async Task<TableEntity> Row(string key)
    {
        var (pk, rk) = TableEmailOutbox.Keys(key);
        return (await new TableClient(azurite.ConnectionString, InfrastructureServiceCollectionExtensions.EmailOutboxTable).GetEntityAsync<TableEntity>(pk, rk)).Value;
    }

    private static EmailMessage Message(string key) =>
        new(key, new Contact("Pat Supervisor", "pat.supervisor@example.org"), "Opt-in request: Elena Optout", "Hello Pat,\n", "<!DOCTYPE html><html lang=\"en\"><body><p>Hello Pat,</p></body></html>");

    /// <summary>
    /// The instance dies right after SendGrid accepted the POST (the sink answered 202), before the notifier sees the
    /// answer: nothing after the send runs, so nothing is recorded.
    /// </summary>
    private sealed class KilledAfterSend : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var accepted = await base.SendAsync(request, cancellationToken);
            Assert.Equal(202, (int)accepted.StatusCode);
            throw new ProcessKilledException();
        }
    }

    private sealed class ProcessKilledException() : Exception("The instance was killed here.");
}

/// <summary>An app instance in a test: its service provider and the notifier it would use.</summary>
internal sealed class Instance(ServiceProvider services) : IAsyncDisposable
{
    public INotifier Notifier => services.GetRequiredService<INotifier>();

    public ValueTask DisposeAsync() => services.DisposeAsync();
}
