using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi.Readers;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Api.OpenApi;

namespace OptOut.Functions.Tests;

/// <summary>The Functions app serves the same OpenAPI document as the local host (both call <see cref="OpenApiEndpoint"/>), with the tenant from its settings.</summary>
public sealed class OpenApiFunctionTests
{
    private const string Tenant = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public async Task The_function_serves_the_contract_document_as_json_for_the_configured_tenant()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:TenantId"] = Tenant }).Build();
        var services = new ServiceCollection().AddLogging().AddOptOutAccess(configuration).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Path = "/" + Routes.OpenApi;
        var body = new MemoryStream();
        context.Response.Body = body;

        var result = new HttpFunctions(services).OpenApi(context.Request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        var text = Encoding.UTF8.GetString(body.ToArray());

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType?.Split(';')[0]);
        Assert.Equal(OpenApiEndpoint.CacheControl, context.Response.Headers.CacheControl.ToString());
        Assert.Equal(ContractDocument.Json(Tenant), text);
        Assert.Contains($"https://login.microsoftonline.com/{Tenant}/v2.0/.well-known/openid-configuration", text, StringComparison.Ordinal);

        var document = new OpenApiStringReader().Read(text, out var diagnostic);
        Assert.Empty(diagnostic.Errors);
        Assert.Equal(
            Routes.All.SelectMany(r => r.Methods.Select(m => $"{m} {r.Path}")).Order(StringComparer.Ordinal),
            document.Paths.SelectMany(p => p.Value.Operations.Keys.Select(m => $"{m.ToString().ToUpperInvariant()} {p.Key}")).Order(StringComparer.Ordinal));
    }
}
