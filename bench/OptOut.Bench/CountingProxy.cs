using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OptOut.Bench;

/// <summary>
/// A transparent reverse proxy in front of Azurite, on 127.0.0.1: one listener per storage service (blob, queue, table)
/// forwarding every request unchanged (raw path and query, headers, body) to Azurite's port for that service, and
/// counting requests by service, resource (queue or table name, blob container) and operation. The Azure Storage
/// provider bills per request, so these counts are what a month would be billed for. Shared Key signatures cover the
/// path, query and x-ms-* headers, not the host and port, so they verify unchanged.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = 256,
    });

    private readonly WebApplication _app;
    private readonly Dictionary<int, (string Service, Uri Target)> _routes = [];

    private CountingProxy(WebApplication app) => _app = app;

    /// <summary>Connection string of the proxy: the same account and key, endpoints on the proxy's ports.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Starts the proxy in front of the Azurite whose connection string is given (endpoints on 127.0.0.1).</summary>
    public static async Task<CountingProxy> StartAsync(string azuriteConnectionString)
    {
        var parts = azuriteConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var service in new[] { "Blob", "Queue", "Table" })
        {
            ports[service] = FreePort();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            foreach (var port in ports.Values)
            {
                k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        var proxy = new CountingProxy(app);
        foreach (var (service, port) in ports)
        {
            var target = new Uri(parts[$"{service}Endpoint"]);
            proxy._routes[port] = (service, new Uri($"{target.Scheme}://{target.Authority}"));
        }

        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={parts["AccountName"]};AccountKey={parts["AccountKey"]};" +
            string.Concat(ports.Select(p => $"{p.Key}Endpoint=http://127.0.0.1:{p.Value}/{parts["AccountName"]};"));
        return proxy;
    }

    public long Total => _counts.Values.Sum();

    /// <summary>A copy of the counts so far: "service resource operation" → requests.</summary>
    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    /// <summary>Counts since <paramref name="before"/>, largest first.</summary>
    public static IReadOnlyList<(string Operation, long Count)> Since(Dictionary<string, long> before, Dictionary<string, long> after) =>
        [.. after.Select(a => (a.Key, a.Value - before.GetValueOrDefault(a.Key))).Where(d => d.Item2 > 0).OrderByDescending(d => d.Item2)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }

    private int _failures;

    /// <summary>Requests the proxy could not forward (answered 502); a run with any is suspect.</summary>
    public int Failures => Volatile.Read(ref _failures);

    private async Task ForwardAsync(HttpContext context)
    {
        try
        {
            await ForwardOnceAsync(context);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException && !context.RequestAborted.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _failures) <= 5)
            {
                Console.WriteLine($"proxy: {context.Request.Method} {context.Request.Path} failed: {e.GetType().Name}: {e.Message}");
            }

            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
            }
        }
    }

    private async Task ForwardOnceAsync(HttpContext context)
    {
        var (service, target) = _routes[context.Connection.LocalPort];
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var method = context.Request.Method;
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(target, raw));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || method is not ("GET" or "HEAD" or "DELETE"))
        {
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (name is "Host" or "Connection" or "Transfer-Encoding" or "Expect" or "Content-Length")
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        _counts.AddOrUpdate(Classify(service, method, context.Request.Path.Value ?? "", context.Request.Query), 1, (_, n) => n + 1);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is "Transfer-Encoding" or "Connection")
            {
                continue;
            }

            context.Response.Headers[name] = values.ToArray();
        }

        if (method != "HEAD")
        {
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>"Queue control-00 GetMessages", "Table Instances Query", "Blob leases Lease(renew)"...</summary>
    internal static string Classify(string service, string method, string path, IQueryCollection query)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray(); // after the account
        var comp = query["comp"].ToString();
        switch (service)
        {
            case "Queue":
                {
                    // Queue names are "{hub}-control-NN", "{hub}-workitems", "optout-intake"...: keep the part after the hub.
                    var queue = segments.Length > 0 ? QueueKind(segments[0]) : "(account)";
                    var op = segments.Length switch
                    {
                        0 => comp.Length > 0 ? $"Account {comp}" : "Account",
                        1 => method switch { "PUT" when comp == "metadata" => "SetMetadata", "PUT" => "CreateQueue", "DELETE" => "DeleteQueue", _ => comp == "metadata" ? "GetMetadata" : $"{method} {comp}" },
                        2 => method switch { "GET" when query["peekonly"] == "true" => "PeekMessages", "GET" => "GetMessages", "POST" => "PutMessage", "DELETE" => "ClearMessages", _ => method },
                        _ => method switch { "DELETE" => "DeleteMessage", "PUT" => "UpdateMessage", _ => method },
                    };
                    return $"Queue {queue} {op}";
                }

            case "Table":
                {
                    var first = segments.Length > 0 ? segments[0] : "";
                    if (first == "$batch")
                    {
                        return "Table (batch) EntityGroupTransaction";
                    }

                    var paren = first.IndexOf('(');
                    var table = TableKind(paren >= 0 ? first[..paren] : first);
                    var keys = paren >= 0 && !first.EndsWith("()", StringComparison.Ordinal);
                    var op = (method, keys) switch
                    {
                        ("GET", true) => "QueryEntity",
                        ("GET", false) => "QueryEntities",
                        ("POST", _) => "InsertEntity",
                        ("PUT", _) => "UpdateEntity",
                        ("MERGE" or "PATCH", _) => "MergeEntity",
                        ("DELETE", _) => "DeleteEntity",
                        _ => method,
                    };
                    return $"Table {table} {op}";
                }

            default:
                {
                    var container = segments.Length > 0 ? ContainerKind(segments[0]) : "(account)";
                    var blob = segments.Length > 1;
                    var op = comp switch
                    {
                        "lease" => "Lease",
                        "list" => "List",
                        "" when !blob && method == "PUT" => "CreateContainer",
                        "" when !blob && method == "DELETE" => "DeleteContainer",
                        "" when !blob => $"Container {method}",
                        "" => method switch { "PUT" => "PutBlob", "GET" => "GetBlob", "HEAD" => "GetBlobProperties", "DELETE" => "DeleteBlob", _ => method },
                        _ => $"{method} {comp}",
                    };
                    return $"Blob {container} {op}";
                }
        }
    }

    private static string QueueKind(string name)
    {
        var dash = name.IndexOf('-');
        return dash > 0 && (name.Contains("-control-", StringComparison.Ordinal) || name.EndsWith("-workitems", StringComparison.Ordinal)) ? "{hub}" + name[dash..] : name;
    }

    private static string TableKind(string name)
    {
        foreach (var suffix in new[] { "Instances", "History", "Partitions", "Mailbox", "Decisions", "CaseIds", "EmailOutbox" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return "{hub}" + suffix;
            }
        }

        return name;
    }

    private static string ContainerKind(string name)
    {
        var dash = name.IndexOf('-');
        return dash > 0 ? "{hub}" + name[dash..] : name;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
