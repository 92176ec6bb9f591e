using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OptOut.Api;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The local host serves the HTTP contract from the same route table as the Functions app's triggers.</summary>
public sealed class RouteTableTests
{
    [Fact]
    public async Task Every_api_route_is_the_route_tables_with_its_methods_and_key_and_nothing_else_but_the_local_admin_route()
    {
        var values = TestSettings.Defaults();
        values["LocalHost:Url"] = "http://127.0.0.1:0";
        await using var app = LocalHostApp.Build([.. values.Where(v => v.Value is not null).Select(v => $"--{v.Key}={v.Value}")], b => b.Environment.EnvironmentName = "Testing");

        var api = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .Select(e => (Path: e.RoutePattern.RawText!, Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Order(StringComparer.Ordinal).ToArray(), Name: e.Metadata.GetMetadata<EndpointNameMetadata>()?.EndpointName))
            .ToList();

        foreach (var route in Routes.All)
        {
            var endpoint = Assert.Single(api, e => e.Name == route.Name);
            Assert.Equal(route.Path, endpoint.Path);
            Assert.Equal(route.Methods.Order(StringComparer.Ordinal), endpoint.Methods);
        }

        Assert.Equal(["/api/admin/purge"], api.Where(e => e.Name is null).Select(e => e.Path));
    }

    [Fact]
    public async Task Every_portal_page_is_the_route_tables_with_its_methods_and_nothing_else_is_under_portal()
    {
        var values = TestSettings.Defaults();
        values["LocalHost:Url"] = "http://127.0.0.1:0";
        await using var app = LocalHostApp.Build([.. values.Where(v => v.Value is not null).Select(v => $"--{v.Key}={v.Value}")], b => b.Environment.EnvironmentName = "Testing");

        var portal = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/portal", StringComparison.Ordinal))
            .Select(e => (Path: e.RoutePattern.RawText!, Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Order(StringComparer.Ordinal).ToArray(), Name: e.Metadata.GetMetadata<EndpointNameMetadata>()?.EndpointName))
            .ToList();

        Assert.Equal(Routes.Pages.Count, portal.Count);
        foreach (var route in Routes.Pages)
        {
            var endpoint = Assert.Single(portal, e => e.Name == route.Name);
            Assert.Equal(route.Path, endpoint.Path);
            Assert.Equal(route.Methods.Order(StringComparer.Ordinal), endpoint.Methods);
        }
    }
}
