using System.Text.Json;
using System.Text.RegularExpressions;

namespace OptOut.Infra.Tests;

/// <summary>Reads the app settings that infra/modules/appsettings.bicep declares, and the sample settings they must cover.</summary>
internal static partial class BicepSource
{
    public const string AppSettingsModule = "infra/modules/appsettings.bicep";

    /// <summary>
    /// The app setting names (and the Bicep expression of each value) in appsettings.bicep: object properties whose
    /// name starts with an upper-case letter (Bicep's own properties are camelCase). Interpolated names such as
    /// 'Offices__${o.code}__Name' are kept as written.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AppSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Repo.Read(AppSettingsModule.Split('/')).Split('\n'))
        {
            var m = SettingLine().Match(line);
            if (m.Success)
            {
                settings[m.Groups["key"].Value] = m.Groups["value"].Value.Trim();
            }
        }

        return settings;
    }

    /// <summary>Whether a concrete setting name is declared, literally or by an interpolated name (${...} matches any non-empty text).</summary>
    public static bool Declares(IReadOnlyDictionary<string, string> settings, string name) =>
        settings.ContainsKey(name) || settings.Keys.Where(k => k.Contains("${", StringComparison.Ordinal)).Any(k => Pattern(k).IsMatch(name));

    /// <summary>The "Values" of local.settings.sample.json.</summary>
    public static IReadOnlyDictionary<string, string> SampleValues()
    {
        using var doc = JsonDocument.Parse(Repo.Read("local.settings.sample.json"));
        return doc.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
    }

    private static Regex Pattern(string interpolated)
    {
        var parts = Interpolation().Split(interpolated).Select(Regex.Escape);
        return new Regex("^" + string.Join(".+", parts) + "$", RegexOptions.CultureInvariant);
    }

    [GeneratedRegex(@"^\s*'?(?<key>[A-Z][A-Za-z0-9_.]*(?:\$\{[^}]+\}[A-Za-z0-9_.]*)*)'?\s*:\s*(?<value>.+?)\s*$")]
    private static partial Regex SettingLine();

    [GeneratedRegex(@"\$\{[^}]+\}")]
    private static partial Regex Interpolation();
}
