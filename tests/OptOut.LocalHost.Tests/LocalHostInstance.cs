using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The real local host (LocalHostApp.Build, as Program runs it) on Kestrel at 127.0.0.1 with a free port, test timings
/// (TestSettings, seconds), and every log line captured.
/// </summary>
public sealed class LocalHostInstance : IAsyncDisposable
{
    public const string Key = "test-function-key";

    private LocalHostInstance(WebApplication app, CapturedLogs logs, Uri baseAddress)
    {
        App = app;
        Logs = logs;
        BaseAddress = baseAddress;
        Http = NewClient();
    }

    public WebApplication App { get; }

    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; }

    /// <summary>Sends x-functions-key on every request.</summary>
    public HttpClient Http { get; }

    public InMemoryMailbox Mailbox => App.Services.GetRequiredService<InMemoryMailbox>();

    public MisSimulator Mis => App.Services.GetRequiredService<MisSimulator>();

    public DurableTaskClient Durable => App.Services.GetRequiredService<DurableTaskClient>();

    public static async Task<LocalHostInstance> StartAsync(Action<Dictionary<string, string?>>? settings = null)
    {
        var values = TestSettings.Defaults();
        values["LocalHost:Url"] = "http://127.0.0.1:0";
        values["LocalHost:FunctionKey"] = Key;
        values["LocalHost:Mis"] = "Simulator";
        values["Logging:LogLevel:Default"] = "Information";
        settings?.Invoke(values);
        var args = values.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}").ToArray();

        var logs = new CapturedLogs();
        var app = LocalHostApp.Build(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalHostInstance(app, logs, new Uri(address));
    }

    public HttpClient NewClient(string? key = Key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
