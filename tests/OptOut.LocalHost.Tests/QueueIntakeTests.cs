using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using OptOut.Testing;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;

namespace OptOut.LocalHost.Tests;

/// <summary>A real Azurite plus a local host polling its optout-intake queue.</summary>
public sealed class QueueHostFixture : AzuriteLocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s =>
        {
            s["LocalHost:IntakeQueueConnection"] = Azurite.ConnectionString;
            s["LocalHost:IntakeQueuePollInterval"] = "00:00:00.100";
        },
    };
}

/// <summary>Queue intake on the local host against a real Azurite: the Functions queue trigger's semantics.</summary>
public sealed class QueueIntakeTests(QueueHostFixture fixture) : IClassFixture<QueueHostFixture>
{
    private static readonly string[] SsnForms = ["521110005", "521-11-0005", "521 11 0005"];

    private QueueClient Intake => fixture.Azurite.Queue(QueueIntake.IntakeQueue);

    private QueueClient Rejected => fixture.Azurite.Queue(QueueIntake.RejectedQueue);

    [Fact]
    public async Task A_valid_message_starts_the_case_and_leaves_the_queue()
    {
        await SendAsync(Http.Json(Requests.For("S-1001", "queue-valid-1")));

        // The case runs (S-1001 closes as AlreadyInOffice) and shows only the masked SSN.
        var body = await WaitAsync(async () =>
        {
            var r = await fixture.Host.Http.GetAsync("/api/cases/queue-valid-1");
            var text = await r.Content.ReadAsStringAsync();
            return r.StatusCode == HttpStatusCode.OK && text.Contains("AlreadyInOffice", StringComparison.Ordinal) ? text : null;
        });
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("***-**-0001", doc.RootElement.GetProperty("ssnMasked").GetString());
        Assert.Contains("via queue", body, StringComparison.Ordinal);
        await AssertIntakeEmptyAsync();

        // The identical message again is a duplicate, not a rejection: deleted, no second case.
        await SendAsync(Http.Json(Requests.For("S-1001", "queue-valid-1")));
        await AssertIntakeEmptyAsync();
        Assert.DoesNotContain(await DrainRejectedAsync(), r => r.CaseId == "queue-valid-1");
    }

    [Fact]
    public async Task Invalid_json_goes_to_the_rejected_queue_with_the_reason_and_the_ssn_masked()
    {
        var marker = "queue-bad-json-7f3";
        await SendAsync($$"""{"caseId":"{{marker}}","client":{"ssn":"521-11-0005", "firstName": "Elena" """);

        var rejection = await WaitForRejectionAsync(r => r.OriginalMessage.Contains(marker, StringComparison.Ordinal));
        Assert.Contains("not valid JSON", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("***-**-0005", rejection.OriginalMessage, StringComparison.Ordinal);
        AssertNoSsn(rejection.Raw);
        await AssertIntakeEmptyAsync();
    }

    [Fact]
    public async Task Invalid_fields_go_to_the_rejected_queue_with_field_errors_and_the_ssn_masked()
    {
        var request = Requests.For("S-1005", "queue-bad-fields-1");
        request.CaseManager!.Office = "atlantis";
        request.Client!.Phone = "12";
        await SendAsync(Http.Json(request));

        var rejection = await WaitForRejectionAsync(r => r.CaseId == "queue-bad-fields-1");
        Assert.Equal("The case request is not valid.", rejection.Reason);
        Assert.Contains("caseManager.office", rejection.Errors);
        Assert.Contains("client.phone", rejection.Errors);
        Assert.Contains("***-**-0005", rejection.OriginalMessage, StringComparison.Ordinal);
        AssertNoSsn(rejection.Raw);
        await AssertIntakeEmptyAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Host.Http.GetAsync("/api/cases/queue-bad-fields-1")).StatusCode);
    }

    [Fact]
    public async Task A_conflicting_duplicate_goes_to_the_rejected_queue_and_the_first_case_stays()
    {
        var first = Requests.For("S-1002", "queue-conflict-1");
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Http.PostCaseAsync(first)).StatusCode);

        var different = Requests.For("S-1005", "queue-conflict-1");
        await SendAsync(Http.Json(different));

        var rejection = await WaitForRejectionAsync(r => r.CaseId == "queue-conflict-1");
        Assert.Contains("already exists with different details", rejection.Reason, StringComparison.Ordinal);
        AssertNoSsn(rejection.Raw);
        await AssertIntakeEmptyAsync();
        using var doc = JsonDocument.Parse(await fixture.Host.Http.GetStringAsync("/api/cases/queue-conflict-1"));
        Assert.Equal("***-**-0002", doc.RootElement.GetProperty("ssnMasked").GetString());
    }

    [Fact]
    public async Task A_message_that_keeps_failing_moves_to_poison_after_five_attempts()
    {
        var (intake, rejected, poison) = await IsolatedQueuesAsync("fail5");
        var poller = FailingPoller(maxDequeueCount: 5);
        var body = Http.Json(Requests.For("S-1001", "queue-poison-1"));
        await intake.SendMessageAsync(body);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            QueueMessage message = await ReceiveOneAsync(intake);
            Assert.Equal(attempt, message.DequeueCount);
            await poller.HandleAsync(message, intake, rejected, poison, Options(5), CancellationToken.None);
        }

        Assert.Equal(0, (await intake.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        PeekedMessage[] poisoned = await poison.PeekMessagesAsync(10);
        Assert.Equal(body, Assert.Single(poisoned).Body.ToString());
        Assert.Empty((PeekedMessage[])await rejected.PeekMessagesAsync(10));
    }

    [Fact]
    public async Task A_message_dequeued_more_often_than_allowed_goes_straight_to_poison()
    {
        var (intake, rejected, poison) = await IsolatedQueuesAsync("crash");
        var poller = FailingPoller(maxDequeueCount: 1);
        await intake.SendMessageAsync("{\"caseId\":\"crash-loop\"}");
        await intake.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1)); // "the process died while handling it"
        await Task.Delay(1100);

        var message = await ReceiveOneAsync(intake);
        Assert.Equal(2, message.DequeueCount);
        await poller.HandleAsync(message, intake, rejected, poison, Options(1), CancellationToken.None);
        Assert.Single((PeekedMessage[])await poison.PeekMessagesAsync(10));
        Assert.Equal(0, (await intake.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    private static IntakeQueueOptions Options(int max) => new() { IntakeQueueMaxDequeueCount = max, IntakeQueueRetryDelay = TimeSpan.Zero };

    /// <summary>A poller whose durable engine is down: every start fails transiently.</summary>
    private static IntakeQueuePoller FailingPoller(int maxDequeueCount)
    {
        var durable = Substitute.For<DurableTaskClient>("unavailable");
        durable.GetInstanceAsync(default!, default, default).ThrowsAsyncForAnyArgs(new TimeoutException("storage unavailable"));
        durable.GetInstancesAsync(default!, default, default).ThrowsAsyncForAnyArgs(new TimeoutException("storage unavailable"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TestSettings.Defaults()).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddOptOutWorkflow(configuration)
            .AddSingleton(durable)
            .BuildServiceProvider();
        return new IntakeQueuePoller(services, Microsoft.Extensions.Options.Options.Create(Options(maxDequeueCount)), TimeProvider.System, NullLogger<IntakeQueuePoller>.Instance);
    }

    private async Task<(QueueClient Intake, QueueClient Rejected, QueueClient Poison)> IsolatedQueuesAsync(string name)
    {
        var queues = (fixture.Azurite.Queue($"t-{name}-intake"), fixture.Azurite.Queue($"t-{name}-rejected"), fixture.Azurite.Queue($"t-{name}-poison"));
        await queues.Item1.CreateIfNotExistsAsync();
        await queues.Item2.CreateIfNotExistsAsync();
        await queues.Item3.CreateIfNotExistsAsync();
        return queues;
    }

    private static async Task<QueueMessage> ReceiveOneAsync(QueueClient queue) =>
        await WaitAsync(async () => ((QueueMessage[])await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).FirstOrDefault());

    private async Task SendAsync(string body)
    {
        await Intake.CreateIfNotExistsAsync();
        await Intake.SendMessageAsync(body);
    }

    private async Task AssertIntakeEmptyAsync() =>
        await WaitAsync(async () => (await Intake.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 ? "empty" : null);

    private sealed record Rejection(string Reason, string? CaseId, string OriginalMessage, IReadOnlyList<string> Errors, string Raw);

    private readonly List<Rejection> _seen = [];

    private async Task<List<Rejection>> DrainRejectedAsync()
    {
        await Rejected.CreateIfNotExistsAsync();
        foreach (var m in (QueueMessage[])await Rejected.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30)))
        {
            var raw = m.Body.ToString();
            using var doc = JsonDocument.Parse(raw);
            var root = doc.RootElement;
            var errors = root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object ? e.EnumerateObject().Select(p => p.Name).ToList() : [];
            _seen.Add(new Rejection(root.GetProperty("reason").GetString()!, root.GetProperty("caseId").GetString(), root.GetProperty("originalMessage").GetString()!, errors, raw));
            await Rejected.DeleteMessageAsync(m.MessageId, m.PopReceipt);
        }

        return _seen;
    }

    private async Task<Rejection> WaitForRejectionAsync(Func<Rejection, bool> match) =>
        await WaitAsync(async () => (await DrainRejectedAsync()).FirstOrDefault(match));

    private static void AssertNoSsn(string text)
    {
        foreach (var form in SsnForms)
        {
            Assert.DoesNotContain(form, text, StringComparison.Ordinal);
        }
    }

    private static Task<T> WaitAsync<T>(Func<Task<T?>> probe)
        where T : class =>
        Eventually.NotNullAsync(probe, TimeSpan.FromSeconds(20), "The queue did not reach the expected state in time.");
}
