using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OptOut.Notifications.Tests;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, random port) standing in for api.sendgrid.com: records every request and
/// answers with scripted replies: a status and body, a dropped connection after reading the whole message (SendGrid
/// took it, the answer is lost), a stall (no answer until the client gives up), or a hold until the test releases it.
/// </summary>
public sealed class RecordingSendGridSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Step> _script = new();
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);

    private RecordingSendGridSink(WebApplication app) => _app = app;

    public enum Reply
    {
        Answer,
        DropConnection,
        Stall,
        Hold,
    }

    private sealed record Step(Reply Reply, int Status = 202, string Body = "", TaskCompletionSource? Release = null);

    public sealed record Received(string Method, string Path, string? Authorization, string? ContentType, string Body)
    {
        public string? MessageKey => KeyOf(Body);
    }

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Answer used once the script is exhausted.</summary>
    public (int Status, string Body) Otherwise { get; set; } = (202, "");

    /// <summary>The first request for each message key is read in full, recorded, and then its connection is dropped (no answer).</summary>
    public bool DropFirstPerKey { get; set; }

    public string Url => _app.Urls.First();

    /// <summary>How many requests carried each message key.</summary>
    public IReadOnlyDictionary<string, int> CountsByKey() =>
        Requests.GroupBy(r => r.MessageKey ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public static string? KeyOf(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["custom_args"]?["messageKey"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
            var received = new Received(request.Method, request.Path, request.Headers.Authorization.ToString(), request.ContentType, body);
            var first = received.MessageKey is { } key && sink._seen.AddOrUpdate(key, 1, (_, n) => n + 1) == 1;
            sink.Requests.Enqueue(received);
            var step = sink.DropFirstPerKey && first
                ? new Step(Reply.DropConnection)
                : sink._script.TryDequeue(out var next) ? next : new Step(Reply.Answer, sink.Otherwise.Status, sink.Otherwise.Body);
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted, app.Lifetime.ApplicationStopping);
            switch (step.Reply)
            {
                case Reply.DropConnection:
                    request.HttpContext.Abort();
                    return Results.Empty;
                case Reply.Stall:
                    await Task.Delay(Timeout.InfiniteTimeSpan, gone.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    request.HttpContext.Abort();
                    return Results.Empty;
                case Reply.Hold:
                    await step.Release!.Task.WaitAsync(gone.Token);
                    break;
                case Reply.Answer:
                    break;
            }

            request.HttpContext.Response.Headers["X-Message-Id"] = $"sink-{sink.Requests.Count}";
            return Results.Text(step.Body, "application/json", statusCode: step.Status);
        });
        await app.StartAsync();
        return sink;
    }

    public RecordingSendGridSink Then(int status, string body = "")
    {
        _script.Enqueue(new Step(Reply.Answer, status, body));
        return this;
    }

    /// <summary>Reads and records the next message, then drops the connection without answering.</summary>
    public RecordingSendGridSink ThenDrop()
    {
        _script.Enqueue(new Step(Reply.DropConnection));
        return this;
    }

    /// <summary>Reads and records the next message and never answers (the client times out).</summary>
    public RecordingSendGridSink ThenStall()
    {
        _script.Enqueue(new Step(Reply.Stall));
        return this;
    }

    /// <summary>Reads and records the next message and answers 202 once <paramref name="release"/> completes.</summary>
    public RecordingSendGridSink ThenHold(TaskCompletionSource release)
    {
        _script.Enqueue(new Step(Reply.Hold, Release: release));
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
