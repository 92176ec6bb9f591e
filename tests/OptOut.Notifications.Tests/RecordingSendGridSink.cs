using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OptOut.Notifications.Tests;

/// <summary>A real HTTP server (Kestrel on 127.0.0.1, random port) standing in for api.sendgrid.com: records every request and answers with scripted statuses.</summary>
public sealed class RecordingSendGridSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body)> _script = new();

    private RecordingSendGridSink(WebApplication app) => _app = app;

    public sealed record Received(string Method, string Path, string? Authorization, string? ContentType, string Body);

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Answer used once the script is exhausted.</summary>
    public (int Status, string Body) Otherwise { get; set; } = (202, "");

    public string Url => _app.Urls.First();

    public static async Task<RecordingSendGridSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new RecordingSendGridSink(app);
        app.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            sink.Requests.Enqueue(new Received(request.Method, request.Path, request.Headers.Authorization.ToString(), request.ContentType, body));
            var (status, answer) = sink._script.TryDequeue(out var next) ? next : sink.Otherwise;
            return Results.Text(answer, "application/json", statusCode: status);
        });
        await app.StartAsync();
        return sink;
    }

    public RecordingSendGridSink Then(int status, string body = "")
    {
        _script.Enqueue((status, body));
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
