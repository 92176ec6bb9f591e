using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.LocalHost;
using OptOut.Workflow.Notifications;
using Xunit;

namespace OptOut.Testing;

/// <summary>How a <see cref="LocalHostServer"/> is started; every setting not named here is a test default.</summary>
public sealed record LocalHostServerOptions
{
    /// <summary>The workflow reaches the MIS simulator over HTTP (the production gateway, LocalHost:Mis=Http) at this host's /sim/mis/.</summary>
    public bool MisOverHttp { get; init; }

    public string FunctionKey { get; init; } = LocalHostServer.DefaultFunctionKey;

    /// <summary>Settings over <see cref="TestSettings.Defaults"/>; a null value leaves the local host's own default.</summary>
    public Action<Dictionary<string, string?>>? Settings { get; init; }

    /// <summary>Service replacements applied after the local host's own registrations (e.g. a <see cref="RecordingMis"/>).</summary>
    public Action<IServiceCollection>? Services { get; init; }
}

/// <summary>
/// The real local host (<see cref="LocalHostApp.Build"/>, as <c>dotnet run</c> composes it) in-process on Kestrel at
/// 127.0.0.1 and a free port, with test timings (<see cref="TestSettings"/>, seconds) and every log line captured
/// instead of printed. Emailed links and the SendGrid client follow the chosen port, as the local host derives them.
/// </summary>
public sealed class LocalHostServer : IAsyncDisposable
{
    public const string DefaultFunctionKey = "test-function-key";

    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private LocalHostServer(WebApplication app, CapturedLogs logs, string functionKey)
    {
        App = app;
        Logs = logs;
        FunctionKey = functionKey;
        BaseUrl = app.Urls.Single().TrimEnd('/');
        BaseAddress = new Uri(BaseUrl + "/");
        Http = NewClient(functionKey, asOperator: true);
        Anonymous = NewClient(key: null, followRedirects: false, acceptJson: false);
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public CapturedLogs Logs { get; }

    public string FunctionKey { get; }

    /// <summary>http://127.0.0.1:port, without a trailing slash.</summary>
    public string BaseUrl { get; }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Accept: application/json on every request; opens cases with the integration key (x-functions-key) and reads, lists
    /// and withdraws as a signed-in administrator (<see cref="OperatorHandler"/>).
    /// </summary>
    public HttpClient Http { get; }

    /// <summary>No function key and redirects not followed, as a browser or a mail client opening a link: tests see what the server answered.</summary>
    public HttpClient Anonymous { get; }

    public InMemoryMailbox Mailbox => Services.GetRequiredService<InMemoryMailbox>();

    public MisSimulator Mis => Services.GetRequiredService<MisSimulator>();

    public DurableTaskClient Durable => Services.GetRequiredService<DurableTaskClient>();

    public static Task<LocalHostServer> StartAsync(Action<Dictionary<string, string?>> settings) =>
        StartAsync(new LocalHostServerOptions { Settings = settings });

    public static async Task<LocalHostServer> StartAsync(LocalHostServerOptions? options = null)
    {
        options ??= new LocalHostServerOptions();

        // A free port is picked before binding, so another process on the machine may take it in between: try again
        // on a new port (a few times) rather than fail the test.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(options);
            }
            catch (IOException e) when (attempt < 3 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    private static async Task<LocalHostServer> TryStartAsync(LocalHostServerOptions options)
    {
        var values = TestSettings.Defaults();
        values.Remove("Links:PublicBaseUrl"); // the local host derives it from the address it listens on
        // Port 0: the local host picks a free port before it starts. The MIS gateway's address must be known before
        // then, so with MisOverHttp the port is picked here.
        var url = options.MisOverHttp ? $"http://127.0.0.1:{WorkflowTestHost.FreePort()}" : "http://127.0.0.1:0";
        values["LocalHost:Url"] = url;
        values["LocalHost:FunctionKey"] = options.FunctionKey;
        values["LocalHost:Mis"] = options.MisOverHttp ? "Http" : "Simulator";
        if (options.MisOverHttp)
        {
            values["Mis:BaseUrl"] = $"{url}/sim/mis/";
        }

        values["LocalHost:Store"] = "InMemory"; // the durable store is tested with the host in its own process (Durability.Tests)
        options.Settings?.Invoke(values);

        var logs = new CapturedLogs();
        var app = LocalHostApp.Build([], builder =>
        {
            builder.Environment.EnvironmentName = "Testing";
            builder.Configuration.AddInMemoryCollection(values.Where(v => v.Value is not null));
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        }, options.Services);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new LocalHostServer(app, logs, options.FunctionKey);
    }

    /// <summary>
    /// A client for this host, sending <paramref name="key"/> as x-functions-key (none when null); with
    /// <paramref name="asOperator"/> also the administrator's principal on everything but opening a case.
    /// </summary>
    public HttpClient NewClient(string? key, bool followRedirects = true, bool acceptJson = true, bool asOperator = false)
    {
        HttpMessageHandler handler = new HttpClientHandler { AllowAutoRedirect = followRedirects };
        if (asOperator)
        {
            handler = new OperatorHandler(handler);
        }

        var http = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        if (acceptJson)
        {
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        return http;
    }

    /// <summary>Opens a case through the API (as a caller would) for a seeded participant; asserts 202 Accepted.</summary>
    public async Task<string> OpenCaseAsync(string seeker, string caseId, string office = "port-angeles")
    {
        using var response = await Http.PostAsJsonAsync("/api/cases", Requests.For(seeker, caseId, office));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return caseId;
    }

    /// <summary>GET /api/cases/{id} as JSON.</summary>
    public async Task<JsonElement> CaseAsync(string caseId)
    {
        using var response = await Http.GetAsync($"/api/cases/{caseId}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    public static string Stage(JsonElement view) => view.GetProperty("stage").GetString()!;

    /// <summary>Polls GET /api/cases/{id} until <paramref name="until"/> holds.</summary>
    public Task<JsonElement> WaitForCaseAsync(string caseId, Func<JsonElement, bool> until, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => CaseAsync(caseId), until, timeout ?? DefaultWait, last => $"Case {caseId} did not reach the expected state; last: {last}");

    public Task<JsonElement> WaitForStageAsync(string caseId, string stage, TimeSpan? timeout = null) =>
        WaitForCaseAsync(caseId, c => Stage(c) == stage, timeout);

    /// <summary>Until the dev mailbox (fed by the SendGrid sink) holds the message with this key.</summary>
    public Task<StoredEmail> WaitForEmailAsync(string messageKey, TimeSpan? timeout = null) => Mailbox.WaitForEmailAsync(messageKey, timeout);

    /// <summary>Until the case waits on the supervisor and its timeline records the emails of that step.</summary>
    public Task<JsonElement> WaitForEmailsRecordedAsync(string caseId) =>
        WaitForCaseAsync(caseId, c => Stage(c) == "AwaitingSupervisor" && c.GetProperty("timeline").EnumerateArray().Any(t => t.GetProperty("step").GetString() == "Supervisor emailed"));

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

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private async Task<string> ReadDecisionLinkAsync(string caseId)
    {
        var row = await Eventually.UntilAsync(
            async () =>
            {
                var list = await Anonymous.GetStringAsync("/dev/mailbox");
                return (List: list, Row: Regex.Match(list, $"<a href=\"(/dev/mailbox/\\d+)\">Opt-in request: [^<]*\\(case {Regex.Escape(caseId)}\\)</a>"));
            },
            r => r.Row.Success,
            DefaultWait,
            r => $"No supervisor email for case {caseId} in the dev mailbox: {r.List}");
        var email = await Anonymous.GetStringAsync(row.Row.Groups[1].Value);
        var link = Regex.Match(email, "<a href=\"([^\"]+/api/decisions/[^\"]+)\"[^>]*>Record the decision</a>");
        Assert.True(link.Success, $"No decision button in the email: {email}");
        return WebUtility.HtmlDecode(link.Groups[1].Value);
    }
}

/// <summary>
/// A <see cref="LocalHostServer"/> for xunit. Derive a test class from it for a host per test, or a fixture class for
/// one host shared by a class or collection; either states only what differs (<see cref="Options"/>).
/// </summary>
public abstract class LocalHostServerFixture : IAsyncLifetime
{
    private LocalHostServer? _host;

    public LocalHostServer Host => _host ?? throw new InvalidOperationException("The local host has not started (InitializeAsync).");

    public virtual async Task InitializeAsync() => _host = await LocalHostServer.StartAsync(Options());

    public virtual async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    protected virtual LocalHostServerOptions Options() => new();
}

/// <summary>A local host with a real Azurite of its own, started first and stopped last (queues, the durable store).</summary>
public abstract class AzuriteLocalHostServerFixture : LocalHostServerFixture
{
    public AzuriteFixture Azurite { get; } = new();

    public override async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
