namespace OptOut.LocalHost;

/// <summary>The "LocalHost" settings section.</summary>
public sealed class LocalHostOptions
{
    public const string Section = "LocalHost";

    /// <summary>Where the local host listens (loopback only by default).</summary>
    public string Url { get; set; } = "http://localhost:7071";

    /// <summary>Checked against the x-functions-key header, like AuthorizationLevel.Function in Azure.</summary>
    public string FunctionKey { get; set; } = "";

    /// <summary>
    /// The dev sign-in (<c>/dev/signin</c>, seeded people in <c>LocalHost:DevPeople</c>) stands in for App Service
    /// Authentication: on by default here; off, the principal header is ignored and stripped. The Functions app has no such setting.
    /// </summary>
    public bool DevSignIn { get; set; } = true;

    /// <summary>Simulator: the MIS simulator in-process. Http: the MIS gateway over HTTP at Mis:BaseUrl.</summary>
    public string Mis { get; set; } = "Simulator";

    /// <summary>InMemory (default, zero set-up) or AzureStorage (alias Azurite: durable, see docs/local-durable.md).</summary>
    public string Store { get; set; } = "InMemory";

    /// <summary>Short command-line switches: <c>--store AzureStorage</c>.</summary>
    public static readonly IDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--store"] = $"{Section}:{nameof(Store)}",
    };

    public static bool IsAzureStorage(string? store) =>
        string.Equals(store, "AzureStorage", StringComparison.OrdinalIgnoreCase) || string.Equals(store, "Azurite", StringComparison.OrdinalIgnoreCase);
}
