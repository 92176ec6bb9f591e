using OptOut.Workflow.Access;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Mis;
using OptOut.Testing;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.UseCases.GetCase;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The MIS gateway over HTTP (docs/mis-gateway.md): the production HttpMisGateway with its resilience handler, against
/// the local host's simulator (the documented contract) and against a misbehaving server.
/// </summary>
public sealed class HttpMisGatewayTests
{
    [Fact]
    public async Task The_whole_workflow_runs_over_the_http_contract_against_the_simulator()
    {
        await using var host = await LocalHostServer.StartAsync(new LocalHostServerOptions { MisOverHttp = true });
        // Mis:BaseUrl is the host's own address (its simulator's HTTP contract), so every lookup is a real HTTP call.
        Assert.IsType<HttpMisGateway>(host.Services.GetRequiredService<IMisGateway>());

        var gateway = host.Services.GetRequiredService<IMisGateway>();
        Assert.Equal(new SeekerMatch(true, "S-1001"), await gateway.SearchAsync("Alice", "Inoffice", "(360) 555-0101", "port-angeles", default));
        Assert.Equal(new SeekerMatch(false, null), await gateway.SearchAsync("Alice", "Inoffice", "360-555-0101", "bremerton", default));
        Assert.Equal(new SeekerMatch(true, "S-1002"), await gateway.SearchAsync("Bruno", "Statewide", "360-555-0102", null, default));
        Assert.Equal(new SeekerMatch(false, null), await gateway.SearchAsync("Elena", "Optout", "360-555-0105", null, default)); // opted out: hidden
        Assert.Equal(new OptOutLookupResult(true, "Optout", "Elena"), await gateway.OptOutLookupAsync("521110005", default));
        Assert.Equal(new OptOutLookupResult(false, null, null), await gateway.OptOutLookupAsync("521110004", default));
        Assert.Equal(new AddSeekerResult(AlreadyInOffice: false), await gateway.AddSeekerToOfficeAsync("S-1002", "port-angeles", default));
        Assert.Equal(new AddSeekerResult(AlreadyInOffice: true), await gateway.AddSeekerToOfficeAsync("S-1002", "port-angeles", default)); // 409 = already there

        using var post = await host.Http.PostAsync("api/cases", System.Net.Http.Json.JsonContent.Create(Requests.For("S-1004", "http-mis")));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var cases = host.Services.GetRequiredService<GetCaseHandler>();
        var closed = await Eventually.UntilAsync(() => cases.HandleAsync(Caller.System, "http-mis", default), v => v is { IsClosed: true }, TimeSpan.FromSeconds(30), v => $"Case http-mis did not close; stage {v?.Stage}.");
        Assert.Equal("NotOptedOutNeedsReview", closed!.Outcome); // office search, statewide search and opt-out lookup, all over HTTP
    }

    [Fact]
    public async Task Transient_503s_are_retried_and_persistent_errors_surface_without_the_request_body()
    {
        var calls = 0;
        await using var mis = await FakeMisAsync(async context =>
        {
            var n = Interlocked.Increment(ref calls);
            if (context.Request.Path == "/seekers/search" && n <= 2)
            {
                context.Response.StatusCode = 503;
                return;
            }

            if (context.Request.Path == "/opt-out-lookup")
            {
                context.Response.StatusCode = 400;
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"found\":true,\"seekerId\":\"S-9\"}");
        });

        var gateway = Gateway(mis.Url);
        Assert.Equal(new SeekerMatch(true, "S-9"), await gateway.SearchAsync("A", "B", "360-555-0100", null, default));
        Assert.Equal(3, calls);

        var error = await Assert.ThrowsAsync<MisGatewayException>(() => gateway.OptOutLookupAsync("521110005", default));
        Assert.Equal(400, error.StatusCode);
        Assert.DoesNotContain("521110005", error.ToString(), StringComparison.Ordinal);
    }

    private static IMisGateway Gateway(string baseUrl)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mis:BaseUrl"] = baseUrl, ["Mis:TimeoutSeconds"] = "5" }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddHttpMisGateway(config);
        return services.BuildServiceProvider().GetRequiredService<IMisGateway>();
    }

    private static async Task<FakeServer> FakeMisAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return new FakeServer(app, app.Urls.First() + "/");
    }

    private sealed record FakeServer(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
