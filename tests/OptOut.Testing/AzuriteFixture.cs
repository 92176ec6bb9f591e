using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Storage.Queues;
using Xunit;

namespace OptOut.Testing;

/// <summary>
/// A real Azurite (Azure Storage emulator) for tests: blob, queue and table services on free 127.0.0.1 ports, data in a
/// fresh temporary folder, telemetry off. It uses the repo-local install in tools/azurite (version pinned by
/// tools/azurite/package.json) and runs <c>npm install --prefix tools/azurite</c> first when it is missing, so a fresh
/// machine with Node.js needs nothing else. Set OPTOUT_AZURITE to use another azurite executable.
/// <see cref="StopAsync"/> takes storage down mid-test.
/// Disposing kills the process tree and deletes the folder.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's fixed, publicly documented development account (not a secret).</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _location;

    public string ConnectionString { get; private set; } = "";

    public int QueuePort { get; private set; }

    public async Task InitializeAsync()
    {
        var executable = await FindOrInstallAsync();
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await StartAsync(executable);
                return;
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                // Most likely a port taken between choosing and binding it: try again with new ports.
                last = e;
                await StopAndDeleteAsync();
            }
        }

        throw new InvalidOperationException($"Azurite did not start: {last?.Message}", last);
    }

    public async Task DisposeAsync() => await StopAndDeleteAsync();

    /// <summary>Stops Azurite (kills the process) and keeps its folder until disposal: storage is "down" for whatever uses it.</summary>
    public async Task StopAsync() => await KillAsync();

    public QueueClient Queue(string name) =>
        new(ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    private async Task StartAsync(string executable)
    {
        _location = Directory.CreateTempSubdirectory("azurite-").FullName;
        await LaunchAsync(executable, _location, (WorkflowTestHost.FreePort(), WorkflowTestHost.FreePort(), WorkflowTestHost.FreePort()));
    }

    private async Task LaunchAsync(string executable, string location, (int Blob, int Queue, int Table) ports)
    {
        var (blob, queue, table) = ports;
        QueuePort = queue;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--disableTelemetry", "--skipApiVersionCheck", "--location", location,
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/{AccountName};QueueEndpoint=http://127.0.0.1:{queue}/{AccountName};TableEndpoint=http://127.0.0.1:{table}/{AccountName};";

        var service = new QueueServiceClient(ConnectionString, new QueueClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}: {Output()}");
            }

            try
            {
                await service.GetPropertiesAsync();
                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or TaskCanceledException or IOException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Azurite was not ready within 60 s: {Output()}");
                }

                await Task.Delay(100);
            }
        }
    }

    private async Task StopAndDeleteAsync()
    {
        await KillAsync();
        if (_location is { } dir)
        {
            _location = null;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task KillAsync()
    {
        if (_process is { } p)
        {
            _process = null;
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
            }

            p.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 16_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>OPTOUT_AZURITE, else tools/azurite's install (installing it with npm when missing).</summary>
    public static async Task<string> FindOrInstallAsync()
    {
        if (Environment.GetEnvironmentVariable("OPTOUT_AZURITE") is { Length: > 0 } custom)
        {
            return custom;
        }

        var root = RepoRoot();
        var prefix = Path.Combine(root, "tools", "azurite");
        var executable = Path.Combine(prefix, "node_modules", ".bin", RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "azurite.cmd" : "azurite");
        if (File.Exists(executable))
        {
            return executable;
        }

        await InstallGate.WaitAsync();
        try
        {
            // Test projects run in parallel processes: a lock file makes one of them install while the others wait.
            using var lockFile = await LockAsync(Path.Combine(prefix, ".install.lock"));
            if (File.Exists(executable))
            {
                return executable;
            }

            var npm = new ProcessStartInfo(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npm.cmd" : "npm")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error" })
            {
                npm.ArgumentList.Add(arg);
            }

            Process process;
            try
            {
                process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("Azurite is not installed and npm was not found: install Node.js (with npm), or set OPTOUT_AZURITE to an azurite executable.", e);
            }

            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
                if (process.ExitCode != 0 || !File.Exists(executable))
                {
                    throw new InvalidOperationException($"npm install --prefix {prefix} failed ({process.ExitCode}): {await stderr}{await stdout}");
                }
            }

            return executable;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")) && Directory.Exists(Path.Combine(dir.FullName, "tools", "azurite")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Could not find the repository root (with tools/azurite) above {AppContext.BaseDirectory}.");
    }
}
