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

    /// <summary>The function key the hosts of <see cref="AzureStorageSettings"/> accept (the local host's dev key).</summary>
    public const string FunctionKey = "local-dev-key";

    /// <summary>
    /// A local host on the Azure Storage provider at <paramref name="baseUrl"/>, on <paramref name="taskHub"/> of the
    /// Azurite at <paramref name="connectionString"/>, with the dev function key; no reminder, escalation, deadline or
    /// scan fires within a test unless <paramref name="extra"/> says so. Two hosts on one task hub need their own
    /// <paramref name="workerId"/> (partition owners).
    /// </summary>
    public static Dictionary<string, string> AzureStorageSettings(string baseUrl, string connectionString, string taskHub, string? workerId = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["LocalHost__Store"] = "AzureStorage",
            ["LocalHost__AzureStorage__ConnectionString"] = connectionString,
            ["LocalHost__AzureStorage__TaskHub"] = taskHub,
            ["LocalHost__Url"] = baseUrl,
            ["LocalHost__FunctionKey"] = FunctionKey,
            ["Links__PublicBaseUrl"] = baseUrl,
            ["Workflow__ReminderInterval"] = "01:00:00",
            ["Workflow__EscalateAfter"] = "02:00:00",
            ["Workflow__SupervisorDeadline"] = "03:00:00",
            ["Workflow__OptInVerifyInterval"] = "00:00:01",
            ["Escalation__ScanInterval"] = "01:00:00",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (workerId is not null)
        {
            settings["LocalHost__AzureStorage__WorkerId"] = workerId;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
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
