using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.LocalHost;
using OptOut.Testing;
using OptOut.Workflow.Notifications;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// The local host exactly as `dotnet run` composes it (LocalHostApp.Build), in-process on 127.0.0.1 and a free port,
/// with test timings. Links and the SendGrid client follow the chosen port (LocalHost:Url = http://127.0.0.1:0).
/// </summary>
public sealed partial class LocalHostFixture : IAsyncLifetime
{
    public const string FunctionKey = "e2e-function-key";
    public const string SendGridKey = "SG.e2e-sink-key";

    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";

    public IServiceProvider Services => _app.Services;

    public InMemoryMailbox Mailbox => Services.GetRequiredService<InMemoryMailbox>();

    public MisSimulator Mis => Services.GetRequiredService<MisSimulator>();

    /// <summary>A client for the host; redirects are not followed so tests see what the server answered.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = TestSettings.Defaults();
        settings.Remove("Links:PublicBaseUrl"); // the host derives it from the port it listens on
        settings["LocalHost:Url"] = "http://127.0.0.1:0";
        settings["LocalHost:FunctionKey"] = FunctionKey;
        settings["SendGrid:ApiKey"] = SendGridKey;
        settings["SendGrid:FromEmail"] = "optout-automation@example.org";
        settings["SendGrid:FromName"] = "Opt-Out Case Automation (e2e)";
        // Cases wait for the supervisor for as long as a browser test can take on a busy machine.
        settings["Workflow:ReminderInterval"] = "00:02:00";
        settings["Workflow:EscalateAfter"] = "00:04:00";
        settings["Workflow:SupervisorDeadline"] = "00:06:00";
        settings["Logging:LogLevel:Default"] = "Warning";

        _app = LocalHostApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
        BaseUrl = _app.Urls.Single(u => u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Opens a case through the API (as a caller would) for a seeded participant.</summary>
    public async Task<string> OpenCaseAsync(string seeker, string caseId, string office = "port-angeles")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = JsonContent.Create(Requests.For(seeker, caseId, office)) };
        request.Headers.Add("x-functions-key", FunctionKey);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return caseId;
    }

    /// <summary>GET /api/cases/{id} as JSON.</summary>
    public async Task<JsonElement> CaseAsync(string caseId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/cases/{caseId}");
        request.Headers.Add("x-functions-key", FunctionKey);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    public async Task<JsonElement> WaitForCaseAsync(string caseId, Func<JsonElement, bool> until, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await CaseAsync(caseId);
            if (until(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Case {caseId} did not reach the expected state; last: {last}");
    }

    /// <summary>Waits until the mailbox (fed by the SendGrid sink) holds the message with this key.</summary>
    public async Task<StoredEmail> WaitForEmailAsync(string messageKey, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = Mailbox.All.FirstOrDefault(m => m.Message.Key == messageKey);
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No email {messageKey} in the dev mailbox; it has: {string.Join(", ", Mailbox.All.Select(m => m.Message.Key))}");
            }

            await Task.Delay(100);
        }
    }

    public static string Stage(JsonElement c) => c.GetProperty("stage").GetString()!;

    /// <summary>
    /// The supervisor's decision link as a recipient gets it: found on the dev mailbox page (fed by the SendGrid sink),
    /// opened, and read from the email's "Record the decision" button. The link works as soon as the email lands (the
    /// case waits from the step that schedules the emails); this returns once all three emails of that step are
    /// recorded on the case, so a test comparing the case before and after sees no step still landing.
    /// </summary>
    public async Task<string> DecisionLinkFromMailboxAsync(string caseId)
    {
        var link = await ReadDecisionLinkAsync(caseId);
        await WaitForEmailsRecordedAsync(caseId);
        return link;
    }

    /// <summary>Until the case waits on the supervisor and its timeline records the emails of that step.</summary>
    public Task<JsonElement> WaitForEmailsRecordedAsync(string caseId) =>
        WaitForCaseAsync(caseId, c => Stage(c) == "AwaitingSupervisor" && c.GetProperty("timeline").EnumerateArray().Any(t => t.GetProperty("step").GetString() == "Supervisor emailed"));

    private async Task<string> ReadDecisionLinkAsync(string caseId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await Http.GetStringAsync("/dev/mailbox");
            var row = Regex.Match(list, $"<a href=\"(/dev/mailbox/\\d+)\">Opt-in request: [^<]*\\(case {Regex.Escape(caseId)}\\)</a>");
            if (row.Success)
            {
                var email = await Http.GetStringAsync(row.Groups[1].Value);
                var link = Regex.Match(email, "<a href=\"([^\"]+/api/decisions/[^\"]+)\"[^>]*>Record the decision</a>");
                Assert.True(link.Success, $"No decision button in the email: {email}");
                return WebUtility.HtmlDecode(link.Groups[1].Value);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No supervisor email for case {caseId} in the dev mailbox: {list}");
            }

            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalHostCollection : ICollectionFixture<LocalHostFixture>
{
    public const string Name = "Local host";
}
