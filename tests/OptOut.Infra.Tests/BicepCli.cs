using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace OptOut.Infra.Tests;

/// <summary>Output of one Bicep CLI run.</summary>
internal sealed record BicepRun(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Everything the CLI said besides the compiled template: diagnostics (warnings, errors, info) go to stderr.</summary>
    public string Diagnostics => StdErr.Trim();

    public override string ToString() => $"exit {ExitCode}\n--- stderr ---\n{StdErr}\n--- stdout ---\n{(StdOut.Length > 4000 ? StdOut[..4000] + "…" : StdOut)}";
}

/// <summary>
/// Runs the Bicep CLI shipped in the NuGet package Azure.Bicep.CommandLine.linux-x64 (its path is baked into this
/// assembly at build time from the package's $(BicepPath)). BICEP_PATH overrides it, e.g. on a machine that is not
/// linux-x64. No network is needed: infra/ uses no registry modules.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly Lazy<Task<BicepRun>> MainBuild = new(() => RunAsync("build", Repo.MainBicep, "--stdout"));

    private static readonly Lazy<Task<BicepRun>> MainLint = new(() => RunAsync("lint", Repo.MainBicep));

    /// <summary>`bicep build infra/main.bicep --stdout`, run once per test run.</summary>
    public static Task<BicepRun> BuildMainAsync() => MainBuild.Value;

    /// <summary>The compiled ARM template of main.bicep as text; fails with the CLI's diagnostics if the build failed.</summary>
    public static async Task<string> TemplateJsonAsync()
    {
        var run = await BuildMainAsync();
        if (run.ExitCode != 0 || run.StdOut.Trim().Length == 0)
        {
            throw new InvalidOperationException($"infra/main.bicep does not compile:\n{run}");
        }

        return run.StdOut;
    }

    /// <summary>The compiled ARM template of main.bicep.</summary>
    public static async Task<System.Text.Json.Nodes.JsonNode> TemplateAsync() =>
        System.Text.Json.Nodes.JsonNode.Parse(await TemplateJsonAsync())!;

    /// <summary>`bicep lint infra/main.bicep` (covers every module main.bicep references), run once per test run.</summary>
    public static Task<BicepRun> LintMainAsync() => MainLint.Value;

    public static string ExecutablePath
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("BICEP_PATH");
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return fromEnvironment;
            }

            var baked = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "BicepPath")?.Value;
            if (string.IsNullOrWhiteSpace(baked))
            {
                throw new InvalidOperationException(
                    "The Bicep CLI path is unknown: the package Azure.Bicep.CommandLine.linux-x64 did not define $(BicepPath) at build time. Set BICEP_PATH.");
            }

            return baked;
        }
    }

    public static async Task<BicepRun> RunAsync(params string[] args)
    {
        var exe = ExecutablePath;
        if (!File.Exists(exe))
        {
            throw new FileNotFoundException($"Bicep CLI not found at {exe} (restore tests/OptOut.Infra.Tests, or set BICEP_PATH).", exe);
        }

        EnsureExecutable(exe);

        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The CLI is a self-contained .NET app: keep the test host's runtime hooks (coverage, diagnostics) out of it.
        foreach (var name in new[] { "DOTNET_STARTUP_HOOKS", "CORECLR_ENABLE_PROFILING", "CORECLR_PROFILER", "CORECLR_PROFILER_PATH", "DOTNET_ROOT" })
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish within {Timeout}.");
        }

        return new BicepRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A package restored without the execute bit cannot start: set it (the project's build does the same).</summary>
    private static void EnsureExecutable(string exe)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(exe);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            try
            {
                File.SetUnixFileMode(exe, mode | execute);
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to change: Process.Start reports the real problem.
            }
        }
    }
}
