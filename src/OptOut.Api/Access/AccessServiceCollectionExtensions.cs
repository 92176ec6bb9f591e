using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OptOut.Api.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>Sign-in (the "Auth" section), integration keys ("Integrations") and the <see cref="CallerResolver"/> both hosts use.</summary>
    public static IServiceCollection AddOptOutAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.Mode is "None" or "EasyAuth", "Auth:Mode must be None or EasyAuth.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.RoleClaimType), "Auth:RoleClaimType is required (roles).")
            .ValidateOnStart();
        services.AddOptions<Dictionary<string, IntegrationOptions>>()
            .Bind(configuration.GetSection(IntegrationOptions.Section))
            .Validate(all => all.Values.All(i => i.KeySha256 is null || (i.KeySha256.Trim().Length == 64 && i.KeySha256.Trim().All(Uri.IsHexDigit))), "Integrations:<name>:KeySha256 must be 64 hex digits (the SHA-256 of the key).")
            .ValidateOnStart();
        services.AddSingleton<CallerResolver>();
        return services;
    }
}
