using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>The function app's settings in Bicep cover local.settings.sample.json, and secrets are Key Vault references.</summary>
public sealed class AppSettingsTests
{
    /// <summary>Sample keys Azure does not get as such: Flex Consumption sets the worker runtime in functionAppConfig (and rejects this setting); storage is identity-based.</summary>
    private static readonly string[] Excluded = ["FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"];

    /// <summary>Setting -> Key Vault secret it must reference.</summary>
    public static TheoryData<string, string> Secrets => new()
    {
        { "SendGrid__ApiKey", "SendGridApiKey" },
        { "Links__SigningKey", "LinkSigningKey" },
        { "Protection__SsnKey", "SsnProtectionKey" },
        { "Mis__ApiKey", "MisApiKey" },
    };

    [Fact]
    public void Every_sample_setting_is_an_app_setting()
    {
        var settings = BicepSource.AppSettings();
        var sample = BicepSource.SampleValues();

        var missing = sample.Keys.Except(Excluded).Where(k => !BicepSource.Declares(settings, k)).ToList();

        Assert.True(missing.Count == 0, $"Not set by {BicepSource.AppSettingsModule}: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Excluded_settings_are_absent_and_storage_is_identity_based()
    {
        var settings = BicepSource.AppSettings();

        foreach (var key in Excluded)
        {
            Assert.False(settings.ContainsKey(key), $"{key} must not be an app setting.");
        }

        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.Equal("'managedidentity'", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain(settings.Values, v => v.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) || v.Contains("listKeys", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Offices_become_one_setting_per_field_and_the_parameters_file_lists_the_sample_offices()
    {
        var settings = BicepSource.AppSettings();
        // An office's code is its Offices__<key>__Code value when present (codes with '-' cannot be setting names), else the key.
        var sample = BicepSource.SampleValues();
        var sampleCodes = sample.Keys
            .Where(k => k.StartsWith("Offices__", StringComparison.Ordinal))
            .Select(k => k.Split("__")[1]).Distinct()
            .Select(key => sample.TryGetValue($"Offices__{key}__Code", out var code) && !string.IsNullOrEmpty(code) ? code : key)
            .ToList();
        var offices = JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]!["offices"]!["value"]!.AsArray();

        foreach (var field in new[] { "Code", "Name", "SupervisorName", "SupervisorEmail" })
        {
            Assert.Contains(settings.Keys, k => k.StartsWith("Offices__${", StringComparison.Ordinal) && k.EndsWith($"}}__{field}", StringComparison.Ordinal));
        }

        Assert.Equal(sampleCodes.Order(), offices.Select(o => o!["code"]!.GetValue<string>()).Order());
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Secrets_are_key_vault_references(string setting, string secretName)
    {
        var value = BicepSource.AppSettings()[setting];

        Assert.Contains("'@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/" + secretName + "/)'", value, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task Compiled_template_sets_secrets_only_as_key_vault_references(string setting, string secretName)
    {
        var json = await BicepCli.TemplateJsonAsync();

        // The value expression: from the setting's name to the next setting's name in createObject(...).
        var match = System.Text.RegularExpressions.Regex.Match(json, $@"'{setting}', (?<value>.*?), '[A-Z][A-Za-z0-9]*__[A-Za-z]");
        Assert.True(match.Success, $"{setting} not found in the compiled template.");
        var expression = match.Groups["value"].Value;

        // SendGrid__ApiKey: format('@Microsoft.KeyVault(SecretUri={0}secrets/SendGridApiKey/)', ...); Mis__ApiKey: if(inVault, format(...), '').
        Assert.Contains($"format('@Microsoft.KeyVault(SecretUri={{0}}secrets/{secretName}/", expression, StringComparison.Ordinal);
        // Only the vault URI (and the Mis switch) feed the value: never a secret parameter.
        var used = System.Text.RegularExpressions.Regex.Matches(expression, @"parameters\('(?<name>\w+)'\)").Select(m => m.Groups["name"].Value);
        Assert.All(used, name => Assert.Contains(name, new[] { "keyVaultUri", "misApiKeyInVault" }));
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Main_writes_each_referenced_secret_to_the_vault_from_a_secure_parameter(string setting, string secretName)
    {
        _ = setting;
        var main = Repo.Read("infra", "main.bicep");

        Assert.Matches($@"(?m)^\s*{secretName}:\s*\w+\s*$", main);
    }

    [Fact]
    public void No_sample_secret_value_is_anywhere_in_the_deployment_files()
    {
        var sample = BicepSource.SampleValues();
        var secretValues = new[] { "SendGrid__ApiKey", "Links__SigningKey", "Protection__SsnKey" }.Select(k => sample[k]).Where(v => v.Length > 0);
        var files = Directory.GetFiles(Repo.Infra, "*", SearchOption.AllDirectories).Append(Repo.File("azure.yaml"));

        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (var value in secretValues)
            {
                Assert.False(text.Contains(value, StringComparison.Ordinal), $"{file} contains a sample secret value.");
            }
        }
    }
}
