using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>The security and hosting properties the issue asks for, read from the compiled template.</summary>
public sealed class ResourceTests
{
    private static async Task<JsonNode> Resource(string module, string type)
    {
        var template = await BicepCli.TemplateAsync();
        var deployment = BicepCompileTests.Resources(template).Single(r => r["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]?.GetValue<string>() == module);
        return BicepCompileTests.Resources(deployment["properties"]!["template"]!).Single(r => r["type"]?.GetValue<string>() == type);
    }

    [Fact]
    public async Task Storage_account_is_locked_down()
    {
        var storage = await Resource("storage", "Microsoft.Storage/storageAccounts");
        var p = storage["properties"]!;

        Assert.Equal("Standard_LRS", storage["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("TLS1_2", p["minimumTlsVersion"]!.GetValue<string>());
        Assert.False(p["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.False(p["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(p["supportsHttpsTrafficOnly"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Intake_queues_and_deployment_container_are_created()
    {
        var template = await BicepCli.TemplateAsync();
        var storageModule = BicepCompileTests.Resources(template).Single(r => r["name"]?.GetValue<string>() == "storage");
        var variables = template["variables"]!;
        var queues = storageModule["properties"]!["parameters"]!["queueNames"]!["value"]!.AsArray()
            .Select(q => q!.GetValue<string>())
            .Select(q => q.StartsWith("[variables('", StringComparison.Ordinal) ? variables[q[12..^3]]!.GetValue<string>() : q);

        Assert.Equal(["optout-intake", "optout-intake-rejected"], queues);
        Assert.NotNull(await Resource("storage", "Microsoft.Storage/storageAccounts/blobServices/containers"));
    }

    [Fact]
    public async Task Function_app_is_flex_consumption_dotnet_isolated_10_with_identity_and_azd_tag()
    {
        var plan = await Resource("functionapp", "Microsoft.Web/serverfarms");
        var site = await Resource("functionapp", "Microsoft.Web/sites");
        var config = site["properties"]!["functionAppConfig"]!;

        Assert.Equal("FC1", plan["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan["sku"]!["tier"]!.GetValue<string>());
        Assert.Equal("SystemAssigned", site["identity"]!["type"]!.GetValue<string>());
        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", site["properties"]!["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("Disabled", site["properties"]!["siteConfig"]!["ftpsState"]!.GetValue<string>());
        Assert.Equal("dotnet-isolated", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]!["version"]!.GetValue<string>());
        Assert.Equal("blobContainer", config["deployment"]!["storage"]!["type"]!.GetValue<string>());
        Assert.Equal("SystemAssignedIdentity", config["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
        Assert.Contains("'azd-service-name', parameters('azdServiceName')", site["tags"]!.GetValue<string>(), StringComparison.Ordinal);

        var module = BicepCompileTests.Resources(await BicepCli.TemplateAsync()).Single(r => r["name"]?.GetValue<string>() == "functionapp");
        var parameters = module["properties"]!["parameters"]!;
        Assert.Equal("functions", parameters["azdServiceName"]!["value"]!.GetValue<string>());
        Assert.Equal("[parameters('maximumInstanceCount')]", parameters["maximumInstanceCount"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scale_defaults_are_40_instances_of_2048_MB()
    {
        var template = await BicepCli.TemplateAsync();

        Assert.Equal(40, template["parameters"]!["maximumInstanceCount"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal(2048, template["parameters"]!["instanceMemoryMB"]!["defaultValue"]!.GetValue<int>());
    }

    [Fact]
    public async Task Key_vault_uses_rbac_soft_delete_and_purge_protection()
    {
        var vault = (await Resource("keyvault", "Microsoft.KeyVault/vaults"))["properties"]!;

        Assert.True(vault["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault["enableSoftDelete"]!.GetValue<bool>());
        Assert.True(vault["enablePurgeProtection"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Application_insights_is_workspace_based()
    {
        var insights = (await Resource("monitoring", "Microsoft.Insights/components"))["properties"]!;

        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights["WorkspaceResourceId"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")] // Storage Blob Data Owner
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88")] // Storage Queue Data Contributor
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3")] // Storage Table Data Contributor
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6")] // Key Vault Secrets User
    public async Task Function_identity_gets_each_least_privilege_role_on_its_resource_only(string roleId)
    {
        var template = await BicepCli.TemplateAsync();
        var roles = BicepCompileTests.Resources(template).Single(r => r["name"]?.GetValue<string>() == "roles")["properties"]!["template"]!.ToJsonString();

        Assert.Contains(roleId, roles, StringComparison.Ordinal);
        Assert.DoesNotContain("resourceGroup().id", roles, StringComparison.Ordinal);
        Assert.DoesNotContain("subscription().id", roles, StringComparison.Ordinal);
        Assert.DoesNotContain("newGuid", roles, StringComparison.Ordinal);
    }
}
