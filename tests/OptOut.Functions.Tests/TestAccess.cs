using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Api.Access;

namespace OptOut.Functions.Tests;

/// <summary>The access settings of the Functions tests: one integration key for office port-angeles, and Easy Auth in front.</summary>
internal static class TestAccess
{
    public const string Key = "functions-test-key";

    public static IServiceCollection AddTestAccess(this IServiceCollection services) =>
        services.AddOptOutAccess(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "EasyAuth",
            ["Integrations:intake-form:KeySha256"] = CallerResolver.HashKey(Key),
            ["Integrations:intake-form:Offices"] = "port-angeles",
        }).Build());
}
