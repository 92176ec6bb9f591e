using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The local host on real Kestrel at 127.0.0.1 on a free port, with test timings.</summary>
public sealed class RunningLocalHost : IAsyncDisposable
{
    public const string Key = "test-function-key";

    private RunningLocalHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>Sends the function key on every request.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<RunningLocalHost> StartAsync(Action<Dictionary<string, string?>>? settings = null)
    {
        var port = FreePort();
        var values = TestSettings.Defaults();
        values["LocalHost:Url"] = $"http://127.0.0.1:{port}";
        values["LocalHost:FunctionKey"] = Key;
        values["Links:PublicBaseUrl"] = $"http://127.0.0.1:{port}";
        values["SendGrid:Host"] = $"http://127.0.0.1:{port}";
        values["Mis:BaseUrl"] = $"http://127.0.0.1:{port}/sim/mis/";
        settings?.Invoke(values);
        var args = values.Where(v => v.Value is not null).Select(v => $"--{v.Key}={v.Value}").ToArray();
        var app = LocalHostApp.Build(args, b => b.Environment.EnvironmentName = "Testing");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningLocalHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
