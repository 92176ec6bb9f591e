namespace OptOut.EndToEnd.Tests;

/// <summary>
/// A fact that needs the system's Chromium (Debian package "chromium"). Without it the test is skipped with a clear
/// message, unless OPTOUT_REQUIRE_BROWSER=1 (CI sets it), in which case it runs and fails.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Browser.ExecutablePath is null && !Browser.Required)
        {
            Skip = $"Chromium not found at {Browser.CandidatePath} (install it with `apt-get install -y chromium`, or set OPTOUT_CHROMIUM to its path). " +
                "Set OPTOUT_REQUIRE_BROWSER=1 to make this a failure instead of a skip.";
        }
    }
}

internal static class Browser
{
    public const string DefaultPath = "/usr/bin/chromium";

    public static bool Required => Environment.GetEnvironmentVariable("OPTOUT_REQUIRE_BROWSER") == "1";

    /// <summary>OPTOUT_CHROMIUM if set, else Debian's /usr/bin/chromium.</summary>
    public static string CandidatePath => Environment.GetEnvironmentVariable("OPTOUT_CHROMIUM") is { Length: > 0 } configured ? configured : DefaultPath;

    /// <summary>The Chromium to drive; null when it is not there.</summary>
    public static string? ExecutablePath => File.Exists(CandidatePath) ? CandidatePath : null;
}
