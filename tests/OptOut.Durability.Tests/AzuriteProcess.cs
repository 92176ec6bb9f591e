using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OptOut.Durability.Tests;

/// <summary>
/// Azurite (npm) in a temporary folder on free 127.0.0.1 ports, for one test. The first run on a machine lets npx
/// install Azurite, hence the generous start timeout. Telemetry is off; the API version check is skipped because the
/// Azure SDKs the provider uses are newer than Azurite's newest supported version.
/// </summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string _location;

    private AzuriteProcess(Process process, StringBuilder output, string location, int blob, int queue, int table)
    {
        _process = process;
        _output = output;
        _location = location;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static async Task<AzuriteProcess> StartAsync(TimeSpan timeout)
    {
        var location = Directory.CreateTempSubdirectory("optout-azurite-").FullName;
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var start = new ProcessStartInfo("npx")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = location,
        };
        foreach (var arg in new[]
                 {
                     "--yes", "azurite", "--disableTelemetry", "--skipApiVersionCheck", "--location", location,
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", $"{blob}", "--queuePort", $"{queue}", "--tablePort", $"{table}",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npx did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("This test needs Node.js (npx) to run Azurite from npm: install nodejs and npm.", e);
        }

        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new AzuriteProcess(process, output, location, blob, queue, table);
        var deadline = DateTime.UtcNow + timeout;
        while (!(await ListeningAsync(blob) && await ListeningAsync(queue) && await ListeningAsync(table)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = azurite.Output;
                await azurite.DisposeAsync();
                throw new InvalidOperationException($"Azurite did not start within {timeout.TotalSeconds:0} s. Output:\n{log}");
            }

            await Task.Delay(250);
        }

        return azurite;
    }

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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is in the temp directory.
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> ListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
