using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>infra/main.bicep compiles and lints clean (bicepconfig.json raises the rules to errors), and its parameters line up with main.parameters.json.</summary>
public sealed class BicepCompileTests
{
    [Fact]
    public async Task Build_succeeds_with_no_diagnostics()
    {
        var run = await BicepCli.BuildMainAsync();

        Assert.True(run.ExitCode == 0, $"bicep build failed:\n{run}");
        Assert.True(run.Diagnostics.Length == 0, $"bicep build reported diagnostics:\n{run.Diagnostics}");
        var template = JsonNode.Parse(run.StdOut)!;
        Assert.NotNull(template["resources"]);
    }

    [Fact]
    public async Task Lint_reports_no_warnings_or_errors()
    {
        var run = await BicepCli.LintMainAsync();

        Assert.True(run.ExitCode == 0, $"bicep lint failed:\n{run}");
        Assert.True((run.StdOut + run.StdErr).Trim().Length == 0, $"bicep lint reported diagnostics:\n{run}");
    }

    [Fact]
    public void Every_module_file_is_reachable_from_main_so_lint_covers_it()
    {
        var sources = Directory.GetFiles(Repo.Infra, "*.bicep", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Repo.Infra, f).Replace('\\', '/'), File.ReadAllText);
        var reached = new HashSet<string>(StringComparer.Ordinal) { "main.bicep" };
        var pending = new Queue<string>(reached);
        while (pending.TryDequeue(out var current))
        {
            var folder = Path.GetDirectoryName(current)!.Replace('\\', '/');
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(sources[current], @"(?:module\s+\w+|from)\s+'(?<path>[^']+\.bicep)'"))
            {
                var target = Path.GetRelativePath(Repo.Infra, Path.GetFullPath(Path.Combine(Repo.Infra, folder, m.Groups["path"].Value))).Replace('\\', '/');
                if (reached.Add(target))
                {
                    pending.Enqueue(target);
                }
            }
        }

        var unreached = sources.Keys.Where(k => !reached.Contains(k)).ToList();
        Assert.True(unreached.Count == 0, $"Not referenced from main.bicep (so not linted): {string.Join(", ", unreached)}");
    }

    [Fact]
    public async Task Main_targets_the_subscription_and_creates_the_resource_group()
    {
        var template = await BicepCli.TemplateAsync();

        Assert.Contains("subscriptionDeploymentTemplate", template["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(Resources(template), r => r["type"]?.GetValue<string>() == "Microsoft.Resources/resourceGroups");
    }

    [Fact]
    public async Task Parameters_file_sets_only_declared_parameters_and_every_required_one()
    {
        var template = await BicepCli.TemplateAsync();
        var declared = template["parameters"]!.AsObject();
        var given = JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]!.AsObject();

        var undeclared = given.Select(p => p.Key).Where(k => !declared.ContainsKey(k)).ToList();
        Assert.True(undeclared.Count == 0, $"main.parameters.json sets undeclared parameters: {string.Join(", ", undeclared)}");
        var missing = declared.Where(p => p.Value!["defaultValue"] is null && p.Value!["nullable"] is null).Select(p => p.Key).Where(k => !given.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"Required parameters missing from main.parameters.json: {string.Join(", ", missing)}");
        Assert.Equal("${AZURE_ENV_NAME}", given["environmentName"]!["value"]!.GetValue<string>());
        Assert.Equal("${AZURE_LOCATION}", given["location"]!["value"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("sendGridApiKey", "${SENDGRID_API_KEY}")]
    [InlineData("linkSigningKey", "${LINK_SIGNING_KEY}")]
    [InlineData("ssnProtectionKey", "${SSN_PROTECTION_KEY}")]
    [InlineData("misApiKey", "${MIS_API_KEY}")]
    public async Task Secret_parameters_are_secure_without_defaults_and_come_from_azd_environment_variables(string parameter, string value)
    {
        var template = await BicepCli.TemplateAsync();
        var declared = template["parameters"]![parameter]!;
        var given = JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]![parameter]!;

        Assert.Equal("securestring", declared["type"]!.GetValue<string>());
        var defaultValue = declared["defaultValue"]?.GetValue<string>();
        Assert.True(string.IsNullOrEmpty(defaultValue), $"{parameter} must not have a non-empty default.");
        Assert.Equal(value, given["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task No_secret_reaches_an_output()
    {
        var template = await BicepCli.TemplateAsync();
        var outputs = template["outputs"]!.ToJsonString();

        foreach (var parameter in new[] { "sendGridApiKey", "linkSigningKey", "ssnProtectionKey", "misApiKey" })
        {
            Assert.DoesNotContain($"parameters('{parameter}')", outputs, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ConnectionString", outputs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listKeys", outputs, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("AZURE_FUNCTION_APP_NAME")]
    [InlineData("AZURE_FUNCTION_APP_URL")]
    [InlineData("AZURE_KEY_VAULT_NAME")]
    [InlineData("AZURE_KEY_VAULT_ENDPOINT")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_LOCATION")]
    [InlineData("AZURE_TENANT_ID")]
    public async Task Outputs_what_azd_and_the_runbook_need(string output)
    {
        var template = await BicepCli.TemplateAsync();

        Assert.NotNull(template["outputs"]![output]);
    }

    internal static IEnumerable<JsonNode> Resources(JsonNode template) => template["resources"] switch
    {
        JsonArray array => array.Where(n => n is not null).Select(n => n!),
        JsonObject symbolic => symbolic.Select(p => p.Value).Where(n => n is not null).Select(n => n!),
        _ => [],
    };
}
