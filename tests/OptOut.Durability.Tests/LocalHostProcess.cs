using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace OptOut.Durability.Tests;

/// <summary>
/// The local host as a separate process (<c>dotnet OptOut.LocalHost.dll</c> from its build output), configured through
/// environment variables the way a developer would. <see cref="KillAsync"/> sends SIGKILL on Linux: no shutdown code runs.
/// Not the in-process LocalHostServer (tests/OptOut.Testing/LocalHost): only a host in its own process can be killed
/// without the test, and only a fresh process shows what survives in durable storage.
/// </summary>
internal sealed class LocalHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LocalHostProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string DllPath =>
        typeof(LocalHostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LocalHostDll").Value!;

    public static async Task<LocalHostProcess> StartAsync(string baseUrl, IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        var dll = DllPath;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build src/OptOut.LocalHost (the test project references it, so a solution build does).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var host = new LocalHostProcess(Process.Start(start)!, baseUrl);
        host._process.OutputDataReceived += (_, e) => host.Append(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (host.HasExited)
            {
                throw new InvalidOperationException($"The local host exited during start-up (code {host._process.ExitCode}). Output:\n{host.Output}");
            }

            try
            {
                using var health = await http.GetAsync(new Uri($"{baseUrl}/api/health"));
                if (health.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow start on a busy machine.
            }

            if (DateTime.UtcNow > deadline)
            {
                await host.DisposeAsync();
                throw new TimeoutException($"The local host did not answer /api/health within {timeout.TotalSeconds:0} s. Output:\n{host.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// SIGTERM, as a platform stops an instance during a deploy: the host shuts down gracefully (the worker stops, the
    /// partition is released). SIGKILL if it has not exited within 30 s.
    /// </summary>
    public async Task StopAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>SIGKILL (Process.Kill on Linux), then wait for the process to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
