using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>
/// App Service Authentication (Easy Auth, authsettingsV2) with the agency's Entra app registration: deployed only when
/// authClientId is given, authenticating without blocking (AllowAnonymous, the app decides per route), token store on,
/// and the app told by Auth__Mode whether the platform authenticates.
/// </summary>
public sealed class AuthTests
{
    private const string ClientId = "11111111-2222-3333-4444-555555555555";

    private static string S(JsonNode? n) => n!.GetValue<string>();

    private static JsonNode AuthSettings(CompiledDeployment d) =>
        d.Resources("auth", "Microsoft.Web/sites/config").Single(r => S(r["name"]).EndsWith("'authsettingsV2')]", StringComparison.Ordinal));

    /// <summary>One app setting's value expression in the compiled appsettings module (the settings are one createObject call).</summary>
    private static JsonNode? AppSetting(CompiledDeployment d, string name)
    {
        var config = d.Resources("appsettings", "Microsoft.Web/sites/config").Single();
        var text = S(config["properties"]);
        var marker = $"'{name}', ";
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} is not an app setting.");
        start += marker.Length;
        var depth = 0;
        var inString = false;
        var end = start;
        for (; end < text.Length; end++)
        {
            var c = text[end];
            if (c == '\'')
            {
                inString = !inString;
            }
            else if (!inString && c == '(')
            {
                depth++;
            }
            else if (!inString && (c == ')' || c == ',') && depth == 0)
            {
                break;
            }
            else if (!inString && c == ')')
            {
                depth--;
            }
        }

        return d.InModule("appsettings", JsonValue.Create($"[{text[start..end]}]"));
    }

    [Fact]
    public async Task Without_a_client_id_easy_auth_is_not_deployed_and_the_app_does_not_trust_the_principal_header()
    {
        var d = await CompiledDeployment.WithAsync();

        Assert.Equal("", S(d.Main["parameters"]!["authClientId"]!["defaultValue"]));
        Assert.False(d.Deploys("auth"));
        Assert.Equal("None", S(AppSetting(d, "Auth__Mode")));
        Assert.Equal("", S(AppSetting(d, "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET")));
    }

    [Fact]
    public async Task With_a_client_id_easy_auth_authenticates_with_entra_without_blocking_anyone()
    {
        var d = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)));
        var p = AuthSettings(d)["properties"]!;
        var aad = p["identityProviders"]!["azureActiveDirectory"]!;

        Assert.True(d.Deploys("auth"));
        Assert.True(p["platform"]!["enabled"]!.GetValue<bool>());
        Assert.False(p["globalValidation"]!["requireAuthentication"]!.GetValue<bool>());
        Assert.Equal("AllowAnonymous", S(p["globalValidation"]!["unauthenticatedClientAction"]));
        Assert.Null(p["globalValidation"]!["redirectToProvider"]);
        Assert.True(aad["enabled"]!.GetValue<bool>());
        Assert.True(p["login"]!["tokenStore"]!["enabled"]!.GetValue<bool>());
        Assert.True(p["httpSettings"]!["requireHttps"]!.GetValue<bool>());
        Assert.Equal("/.auth", S(p["httpSettings"]!["routes"]!["apiPrefix"]));
        Assert.Empty(p["login"]!["allowedExternalRedirectUrls"]!.AsArray());

        // The registration's client id is the parameter; audiences default to api://<client id>.
        var registration = d.Module("auth")["properties"]!["template"]!["variables"]!["registration"]!.GetValue<string>();
        Assert.Contains("parameters('clientId')", registration, StringComparison.Ordinal);
        Assert.Equal(ClientId, S(d.InModule("auth", JsonValue.Create("[parameters('clientId')]"))));
        Assert.Contains("createArray(format('api://{0}', parameters('clientId')))", S(aad["validation"]!["allowedAudiences"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_issuer_is_the_tenants_v2_endpoint_from_the_cloud_environment()
    {
        var d = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)));
        var registration = d.Module("auth")["properties"]!["template"]!["variables"]!["registration"]!.GetValue<string>();
        var tenant = S(d.Module("auth")["properties"]!["parameters"]!["tenantId"]);

        Assert.Contains("environment().authentication.loginEndpoint", registration, StringComparison.Ordinal);
        Assert.Contains("/v2.0", registration, StringComparison.Ordinal);
        Assert.Contains("tenant().tenantId", tenant, StringComparison.Ordinal);
        Assert.Contains("parameters('authTenantId')", tenant, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_client_id_the_app_is_told_the_platform_authenticates_after_easy_auth_is_configured()
    {
        var d = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)));

        Assert.Equal("EasyAuth", S(AppSetting(d, "Auth__Mode")));
        Assert.Equal("roles", S(AppSetting(d, "Auth__RoleClaimType")));
        // App settings (and so Auth__Mode) are applied only after authsettingsV2.
        Assert.Contains("auth", d.Module("appsettings")["dependsOn"]!.AsArray().Select(n => S(n)));
    }

    [Fact]
    public async Task Without_a_secret_no_client_secret_setting_is_configured()
    {
        var d = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)));

        Assert.False(d.InModule("auth", JsonValue.Create("[parameters('useClientSecretSetting')]"))!.GetValue<bool>());
        Assert.Equal("", S(AppSetting(d, "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET")));
    }

    [Fact]
    public async Task A_client_secret_goes_to_the_vault_and_easy_auth_reads_it_through_a_key_vault_reference()
    {
        var d = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)), ("authClientSecret", JsonValue.Create("not-a-real-secret")));
        var config = d.Resources("appsettings", "Microsoft.Web/sites/config").Single();

        Assert.Equal("securestring", S(d.Main["parameters"]!["authClientSecret"]!["type"]));
        Assert.True(d.InModule("auth", JsonValue.Create("[parameters('useClientSecretSetting')]"))!.GetValue<bool>());
        Assert.Contains("'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', if(parameters('authClientSecretInVault'), format('@Microsoft.KeyVault(SecretUri={0}secrets/EasyAuthClientSecret/)', parameters('keyVaultUri')), '')",
            S(config["properties"]), StringComparison.Ordinal);
        Assert.True(d.InModule("appsettings", JsonValue.Create("[parameters('authClientSecretInVault')]"))!.GetValue<bool>());
        Assert.Matches(@"(?m)^\s*EasyAuthClientSecret:\s*authClientSecret\s*$", Repo.Read("infra", "main.bicep"));
        Assert.Contains("clientSecretSettingName', 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'", d.Module("auth")["properties"]!["template"]!["variables"]!["registration"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authClientId", "${AUTH_CLIENT_ID}")]
    [InlineData("authTenantId", "${AUTH_TENANT_ID}")]
    [InlineData("authClientSecret", "${AUTH_CLIENT_SECRET}")]
    [InlineData("authOfficeClaimType", "${AUTH_OFFICE_CLAIM_TYPE}")]
    public async Task Azd_sets_the_sign_in_parameters_from_environment_variables_and_they_default_to_empty(string parameter, string value)
    {
        var template = await BicepCli.TemplateAsync();
        var given = JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]!;

        Assert.Equal(value, S(given[parameter]!["value"]));
        Assert.Equal("", S(template["parameters"]![parameter]!["defaultValue"]));
    }

    [Fact]
    public void An_office_may_name_the_entra_group_of_its_users()
    {
        var settings = BicepSource.AppSettings();

        Assert.Contains(settings.Keys, k => k.StartsWith("Offices__${", StringComparison.Ordinal) && k.EndsWith("}__EntraGroupId", StringComparison.Ordinal));
        Assert.Contains("entraGroupId: string?", Repo.Read("infra", "modules", "types.bicep"), StringComparison.Ordinal);
    }

    [Fact]
    public void Integrations_become_key_hash_and_office_settings_and_decisions_may_require_sign_in()
    {
        var settings = BicepSource.AppSettings();

        Assert.Contains(settings.Keys, k => k == "Integrations__${i.name}__KeySha256");
        Assert.Contains(settings.Keys, k => k == "Integrations__${i.name}__Offices");
        Assert.Contains("keySha256: string", Repo.Read("infra", "modules", "types.bicep"), StringComparison.Ordinal);
        Assert.Contains("Auth__DecisionsRequireSignIn", settings.Keys);
        Assert.Contains("Auth__TenantId", settings.Keys); // the OpenAPI document names the tenant's OpenID Connect address
    }

    [Fact]
    public async Task Decisions_require_sign_in_only_when_easy_auth_is_configured()
    {
        var without = await CompiledDeployment.WithAsync(("authDecisionsRequireSignIn", JsonValue.Create(true)));
        var with = await CompiledDeployment.WithAsync(("authClientId", JsonValue.Create(ClientId)), ("authDecisionsRequireSignIn", JsonValue.Create(true)));

        Assert.Equal("False", S(AppSetting(without, "Auth__DecisionsRequireSignIn")));
        Assert.Equal("True", S(AppSetting(with, "Auth__DecisionsRequireSignIn")));
    }
}
