using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using OptOut.Testing;
using Xunit.Abstractions;

namespace OptOut.Durability.Tests;

/// <summary>
/// SIGKILL in the middle of the email step: of the three emails an opted-out case sends at once, one has reached
/// SendGrid and two are on the wire when the host dies. After a restart on the same storage every email is sent exactly
/// once: the one that went out is not sent again (the email outbox marked it sent), the two that never arrived are sent
/// once their claims' lease has run out.
/// </summary>
public sealed class KillDuringEmailsTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string TaskHub = "KillDuringEmails";
    private const string CaseId = "kill-mid-email-1";

    [Fact]
    public async Task Killed_with_one_email_sent_and_two_in_flight_every_email_is_sent_exactly_once_after_the_restart()
    {
        var baseUrl = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
        using var http = new HttpClient(new OperatorHandler(new HttpClientHandler())) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Add("x-functions-key", LocalHostProcess.FunctionKey);
        var mailbox = new TableClient(azurite.ConnectionString, TaskHub + "Mailbox");
        var outbox = new TableClient(azurite.ConnectionString, TaskHub + "EmailOutbox");

        // A SendGrid stand-in in front of the host's own sink: the first email passes, the others are held open.
        await using var gate = await SendGridGate.StartAsync(baseUrl);
        var first = await LocalHostProcess.StartAsync(baseUrl, Settings(baseUrl, sendGridHost: gate.Url), TimeSpan.FromSeconds(60));
        await using (first)
        {
            using var created = await http.PostAsync(new Uri("/api/cases", UriKind.Relative), new StringContent(CaseJson, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            await Eventually.UntilAsync(() => Task.FromResult((gate.Passed, gate.Held)), s => s is (1, 2), TimeSpan.FromSeconds(45), s => $"passed {s.Passed}, held {s.Held}. Host:\n{first.Output}");
            // The email that passed is in the mailbox and its send recorded in the outbox: only then is it "sent".
            await Eventually.UntilAsync(() => RowsAsync(mailbox), r => r.Count == 1, TimeSpan.FromSeconds(30), r => $"{r.Count} email(s) in the mailbox");
            await Eventually.UntilAsync(() => RowsAsync(outbox), r => r.Count(e => e.GetString("State") == "Sent") == 1, TimeSpan.FromSeconds(30), r => $"outbox: {string.Join(", ", r.Select(e => e.GetString("State")))}");
            output.WriteLine($"one email sent, two in flight: killing process {first.Id}");
            await first.KillAsync();
        }

        // Restart on the same storage, SendGrid reachable again (the host's own sink).
        var second = await LocalHostProcess.StartAsync(baseUrl, Settings(baseUrl, sendGridHost: null), TimeSpan.FromSeconds(60));
        await using (second)
        {
            var rows = await Eventually.UntilAsync(
                () => RowsAsync(mailbox),
                r => r.Count >= 3,
                TimeSpan.FromSeconds(90),
                r => $"{r.Count} email(s) after the restart ({string.Join(", ", r.Select(m => m.GetString("MessageKey")))}). Host:\n{second.Output}");
            Assert.Equal(
                [$"{CaseId}:CaseManagerUpdate:1", $"{CaseId}:ClientContactSupervisor:1", $"{CaseId}:SupervisorRequest:1"],
                rows.Select(m => m.GetString("MessageKey")).Order(StringComparer.Ordinal));
            Assert.All(rows, m => Assert.Equal(1, m.GetInt32("Attempts"))); // a repeat send would count a second attempt

            // The case goes on waiting for its supervisor, with each email once on its timeline.
            using var response = await http.GetAsync(new Uri($"/api/cases/{CaseId}", UriKind.Relative));
            var view = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("AwaitingSupervisor", view.GetProperty("stage").GetString());
        }
    }

    private Dictionary<string, string> Settings(string baseUrl, string? sendGridHost)
    {
        var extra = new Dictionary<string, string>
        {
            // A killed host's claims and activity messages come back within seconds, not the production minutes.
            // The held sends must still be on the wire (not timed out: that would leave them "in doubt", never resent)
            // when the host is killed; their claims' lease is twice the timeout.
            ["SendGrid__Timeout"] = "00:00:10",
            ["SendGrid__ClaimLease"] = "00:00:20",
            ["LocalHost__AzureStorage__WorkItemQueueVisibilityTimeout"] = "00:00:10",
            ["LocalHost__AzureStorage__ControlQueueVisibilityTimeout"] = "00:00:10",
        };
        if (sendGridHost is not null)
        {
            extra["SendGrid__Host"] = sendGridHost;
        }

        return LocalHostProcess.AzureStorageSettings(baseUrl, azurite.ConnectionString, TaskHub, extra: extra);
    }

    private static async Task<List<TableEntity>> RowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // The table is created by the host at start-up.
        }

        return rows;
    }

    private const string CaseJson = $$"""
        {
          "caseId": "{{CaseId}}",
          "caseManager": { "name": "Casey Manager", "email": "casey.manager@example.org", "office": "port-angeles" },
          "client": { "firstName": "Elena", "lastName": "Optout", "phone": "360-555-0105", "email": "elena@example.net", "ssn": "521-11-0005" },
          "reason": "Client wants to enroll in WIOA Adult training."
        }
        """;

    /// <summary>Passes the first POST /v3/mail/send to the host's sink and holds every later one open until disposed.</summary>
    private sealed class SendGridGate : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly CancellationTokenSource _release = new();
        private int _passed;
        private int _held;

        private SendGridGate(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public int Passed => Volatile.Read(ref _passed);

        public int Held => Volatile.Read(ref _held);

        public static async Task<SendGridGate> StartAsync(string sinkBaseUrl)
        {
            var url = $"http://127.0.0.1:{WorkflowTestHost.FreePort()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(url);
            var app = builder.Build();
            var gate = new SendGridGate(app, url);
            var sink = new HttpClient { BaseAddress = new Uri(sinkBaseUrl) }; // lives as long as the test process
            app.MapPost("/v3/mail/send", async (HttpRequest request) =>
            {
                if (Interlocked.Increment(ref gate._passed) > 1)
                {
                    Interlocked.Decrement(ref gate._passed);
                    Interlocked.Increment(ref gate._held);
                    await Task.Delay(Timeout.Infinite, gate._release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                }

                using var body = new StreamContent(request.Body);
                body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType!);
                using var message = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = body };
                message.Headers.TryAddWithoutValidation("Authorization", request.Headers.Authorization.ToString());
                using var answer = await sink.SendAsync(message);
                return Results.StatusCode((int)answer.StatusCode);
            });
            await app.StartAsync();
            return gate;
        }

        public async ValueTask DisposeAsync()
        {
            await _release.CancelAsync();
            await _app.DisposeAsync();
            _release.Dispose();
        }
    }
}
