using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>
/// Nothing reachable that need not be: the Function App on a VNet (Flex Consumption delegation), Storage (blob, queue,
/// table) and Key Vault behind private endpoints with private DNS, public network access off unless
/// allowPublicNetworkAccess, and storage/vault data-plane logs (reads included) in Log Analytics.
/// </summary>
public sealed class NetworkTests
{
    private static string S(JsonNode? n) => n!.GetValue<string>();

    [Fact]
    public async Task Vnet_has_a_subnet_delegated_to_Microsoft_App_environments_and_a_private_endpoint_subnet()
    {
        var d = await CompiledDeployment.WithAsync();
        var vnet = d.Resources("network", "Microsoft.Network/virtualNetworks").Single(r => r["existing"] is null);
        var subnets = vnet["properties"]!["subnets"]!.AsArray();
        var variables = d.Module("network")["properties"]!["template"]!["variables"]!;
        string Name(JsonNode s) => S(s["name"]) is var n && n.StartsWith("[variables('", StringComparison.Ordinal) ? S(variables[n[12..^3]]) : n;

        Assert.Equal(2, subnets.Count);
        var app = subnets.Single(s => Name(s!) == "snet-app")!;
        var pe = subnets.Single(s => Name(s!) == "snet-private-endpoints")!;
        var delegations = app["properties"]!["delegations"]!.AsArray();
        Assert.Equal("Microsoft.App/environments", S(Assert.Single(delegations)!["properties"]!["serviceName"]));
        Assert.True(pe["properties"]!["delegations"] is null || pe["properties"]!["delegations"]!.AsArray().Count == 0, "The private-endpoint subnet must not be delegated.");
        Assert.NotNull(app["properties"]!["networkSecurityGroup"]);
        Assert.NotNull(pe["properties"]!["networkSecurityGroup"]);

        // Default address plan: both subnets inside the VNet's space.
        Assert.Equal("10.60.0.0/23", S(d.MainValue(JsonValue.Create("[parameters('vnetAddressPrefix')]"))));
        Assert.Equal("10.60.0.0/24", S(d.MainValue(JsonValue.Create("[parameters('appSubnetPrefix')]"))));
        Assert.Equal("10.60.1.0/26", S(d.MainValue(JsonValue.Create("[parameters('privateEndpointSubnetPrefix')]"))));
    }

    [Fact]
    public async Task Function_app_integrates_with_the_delegated_subnet()
    {
        var d = await CompiledDeployment.WithAsync();
        var site = d.Resources("functionapp", "Microsoft.Web/sites").Single();
        var passed = S(d.Module("functionapp")["properties"]!["parameters"]!["virtualNetworkSubnetId"]!["value"]);
        var output = S(d.Module("network")["properties"]!["template"]!["outputs"]!["appSubnetId"]!["value"]);

        Assert.Equal("[parameters('virtualNetworkSubnetId')]", S(site["properties"]!["virtualNetworkSubnetId"]));
        Assert.Equal("[reference('network').outputs.appSubnetId.value]", passed);
        Assert.Equal("[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('name'), variables('appSubnetName'))]", output);
    }

    [Fact]
    public async Task Private_endpoints_for_blob_queue_table_and_vault_each_with_a_dns_zone_group_in_the_endpoint_subnet()
    {
        var d = await CompiledDeployment.WithAsync();
        var endpoints = d.Module("privateEndpoints")["properties"]!["template"]!["variables"]!["endpoints"]!.AsArray();
        var pe = d.Resources("privateEndpoints", "Microsoft.Network/privateEndpoints").Single();
        var zoneGroup = d.Resources("privateEndpoints", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Single();

        Assert.Equal(["blob", "queue", "table", "vault"], endpoints.Select(e => S(e!["groupId"])));
        Assert.Equal("[length(variables('endpoints'))]", S(pe["copy"]!["count"]));
        Assert.Equal("[length(variables('endpoints'))]", S(zoneGroup["copy"]!["count"]));
        var connection = pe["properties"]!["privateLinkServiceConnections"]![0]!["properties"]!;
        Assert.Equal("[variables('endpoints')[copyIndex()].groupId]", S(connection["groupIds"]![0]));
        Assert.Contains("resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))", S(connection["privateLinkServiceId"]), StringComparison.Ordinal);
        Assert.Contains("resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))", S(connection["privateLinkServiceId"]), StringComparison.Ordinal);
        Assert.Equal("[parameters('subnetId')]", S(pe["properties"]!["subnet"]!["id"]));
        Assert.Equal("[reference('network').outputs.privateEndpointSubnetId.value]", S(d.Module("privateEndpoints")["properties"]!["parameters"]!["subnetId"]!["value"]));
        Assert.Equal("[resourceId('Microsoft.Network/privateDnsZones', variables('endpoints')[copyIndex()].zone)]",
            S(zoneGroup["properties"]!["privateDnsZoneConfigs"]![0]!["properties"]!["privateDnsZoneId"]));
    }

    [Theory]
    [InlineData("blob", "[format('privatelink.blob.{0}', environment().suffixes.storage)]")]
    [InlineData("queue", "[format('privatelink.queue.{0}', environment().suffixes.storage)]")]
    [InlineData("table", "[format('privatelink.table.{0}', environment().suffixes.storage)]")]
    // environment().suffixes.keyvaultDns is .vault.azure.net in the public cloud: privatelink.vaultcore.azure.net.
    [InlineData("vault", "[format('privatelink{0}', replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.'))]")]
    public async Task Private_dns_zones_are_the_privatelink_zones_and_are_linked_to_the_vnet(string groupId, string zone)
    {
        var d = await CompiledDeployment.WithAsync();
        var endpoints = d.Module("privateEndpoints")["properties"]!["template"]!["variables"]!["endpoints"]!.AsArray();
        var zones = d.Resources("privateEndpoints", "Microsoft.Network/privateDnsZones").Single();
        var link = d.Resources("privateEndpoints", "Microsoft.Network/privateDnsZones/virtualNetworkLinks").Single();

        Assert.Equal(zone, S(endpoints.Single(e => S(e!["groupId"]) == groupId)!["zone"]));
        Assert.Equal("[variables('endpoints')[copyIndex()].zone]", S(zones["name"]));
        Assert.Equal("global", S(zones["location"]));
        Assert.Equal("[length(variables('endpoints'))]", S(link["copy"]!["count"]));
        Assert.Equal("[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]", S(link["properties"]!["virtualNetwork"]!["id"]));
        Assert.False(link["properties"]!["registrationEnabled"]!.GetValue<bool>());
        // Linked to the app's VNet: the same name main gives the network module.
        Assert.Equal(
            S(d.Module("network")["properties"]!["parameters"]!["name"]!["value"]),
            S(d.Module("privateEndpoints")["properties"]!["parameters"]!["vnetName"]!["value"]));
    }

    [Fact]
    public async Task No_file_endpoint_flex_consumption_needs_none()
    {
        var json = (await BicepCli.TemplateAsync()).ToJsonString();

        Assert.DoesNotContain("privatelink.file", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storage", "Microsoft.Storage/storageAccounts")]
    [InlineData("keyvault", "Microsoft.KeyVault/vaults")]
    public async Task Public_network_access_is_disabled_by_default(string module, string type)
    {
        var d = await CompiledDeployment.WithAsync();
        var p = d.Resources(module, type).Single()["properties"]!;

        Assert.False(d.Main["parameters"]!["allowPublicNetworkAccess"]!["defaultValue"]!.GetValue<bool>());
        Assert.Equal("Disabled", S(d.InModule(module, p["publicNetworkAccess"])));
        Assert.Equal("Deny", S(d.InModule(module, p["networkAcls"])!["defaultAction"]));
        Assert.Equal("None", S(d.InModule(module, p["networkAcls"])!["bypass"]));
    }

    [Theory]
    [InlineData("storage", "Microsoft.Storage/storageAccounts", false, "Disabled", "Deny")]
    [InlineData("storage", "Microsoft.Storage/storageAccounts", true, "Enabled", "Allow")]
    [InlineData("keyvault", "Microsoft.KeyVault/vaults", false, "Disabled", "Deny")]
    [InlineData("keyvault", "Microsoft.KeyVault/vaults", true, "Enabled", "Allow")]
    public async Task Public_mode_parameter_switches_both_resources(string module, string type, bool allowPublic, string access, string defaultAction)
    {
        var d = await CompiledDeployment.WithAsync(("allowPublicNetworkAccess", JsonValue.Create(allowPublic)));
        var p = d.Resources(module, type).Single()["properties"]!;

        Assert.Equal(access, S(d.InModule(module, p["publicNetworkAccess"])));
        Assert.Equal(defaultAction, S(d.InModule(module, p["networkAcls"])!["defaultAction"]));
        // Shared keys stay off in both modes: public mode opens the network path, never key-based access.
        if (module == "storage")
        {
            Assert.False(p["allowSharedKeyAccess"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task Azd_maps_the_public_mode_to_an_environment_variable_that_defaults_to_off()
    {
        var given = JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]!;
        var d = await CompiledDeployment.WithAsync(("allowPublicNetworkAccess", JsonValue.Create("false")));

        Assert.Equal("${ALLOW_PUBLIC_NETWORK_ACCESS=false}", S(given["allowPublicNetworkAccess"]!["value"]));
        Assert.Equal("Disabled", S(d.InModule("storage", d.Resources("storage", "Microsoft.Storage/storageAccounts").Single()["properties"]!["publicNetworkAccess"])));
    }

    [Fact]
    public async Task App_settings_wait_for_the_private_endpoints()
    {
        var d = await CompiledDeployment.WithAsync();
        var dependsOn = d.Module("appsettings")["dependsOn"]!.AsArray().Select(n => S(n)).ToList();

        Assert.Contains("privateEndpoints", dependsOn);
        Assert.Contains("roles", dependsOn);
    }

    public static TheoryData<string> StorageServices => new() { "blobServices", "queueServices", "tableServices" };

    [Theory]
    [MemberData(nameof(StorageServices))]
    public async Task Each_storage_service_logs_reads_writes_deletes_and_transactions_to_the_workspace(string service)
    {
        var d = await CompiledDeployment.WithAsync();
        var setting = d.Resources("diagnostics", "Microsoft.Insights/diagnosticSettings")
            .Single(r => S(r["scope"]) == $"[resourceId('Microsoft.Storage/storageAccounts/{service}', parameters('storageAccountName'), 'default')]");
        var p = setting["properties"]!;
        var logs = d.InModule("diagnostics", p["logs"])!.AsArray();
        var metrics = d.InModule("diagnostics", p["metrics"])!.AsArray();

        Assert.Equal(["StorageRead", "StorageWrite", "StorageDelete"], logs.Select(l => S(l!["category"])));
        Assert.All(logs, l => Assert.True(l!["enabled"]!.GetValue<bool>()));
        Assert.Equal("Transaction", S(Assert.Single(metrics)!["category"]));
        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]", S(p["workspaceId"]));
    }

    [Fact]
    public async Task Key_vault_sends_audit_events_to_the_workspace_and_the_workspace_is_the_monitoring_one()
    {
        var d = await CompiledDeployment.WithAsync();
        var setting = d.Resources("diagnostics", "Microsoft.Insights/diagnosticSettings")
            .Single(r => S(r["scope"]) == "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]");
        var p = setting["properties"]!;
        var account = d.Resources("diagnostics", "Microsoft.Insights/diagnosticSettings")
            .Single(r => S(r["scope"]) == "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]");

        var logs = d.InModule("diagnostics", p["logs"])!.AsArray();
        Assert.Equal("AuditEvent", S(Assert.Single(logs)!["category"]));
        Assert.True(logs[0]!["enabled"]!.GetValue<bool>());
        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]", S(p["workspaceId"]));
        Assert.Equal("Transaction", S(Assert.Single(d.InModule("diagnostics", account["properties"]!["metrics"])!.AsArray())!["category"]));
        // The same workspace name main gives the monitoring module, and the same storage account and vault.
        Assert.Equal(
            S(d.Module("monitoring")["properties"]!["parameters"]!["logAnalyticsName"]!["value"]),
            S(d.Module("diagnostics")["properties"]!["parameters"]!["logAnalyticsName"]!["value"]));
        Assert.Equal(
            S(d.Module("storage")["properties"]!["parameters"]!["name"]!["value"]),
            S(d.Module("diagnostics")["properties"]!["parameters"]!["storageAccountName"]!["value"]));
        Assert.Equal(
            S(d.Module("keyvault")["properties"]!["parameters"]!["name"]!["value"]),
            S(d.Module("diagnostics")["properties"]!["parameters"]!["keyVaultName"]!["value"]));
    }
}
