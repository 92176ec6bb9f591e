using System.Net;
using OptOut.Api.Access;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The local host's stand-in for App Service Authentication (docs/access.md, "On the local host").</summary>
public sealed class DevSignInTests
{
    private static readonly string Admin = OperatorHandler.Administrator;

    [Fact]
    public async Task Signing_in_as_a_seeded_case_manager_lists_only_her_offices_cases()
    {
        await using var host = await LocalHostServer.StartAsync();
        await host.OpenCaseAsync("S-1006", Requests.UniqueId("dpa", maxLength: 20));
        await host.OpenCaseAsync("S-1006", Requests.UniqueId("dbr", maxLength: 20), office: "bremerton");

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = host.BaseAddress };
        using var signIn = await browser.PostAsync("/dev/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["person"] = "casey", ["returnUrl"] = "/api/cases" }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/api/cases", signIn.Headers.Location?.OriginalString);

        var list = await browser.GetStringAsync("/api/cases");
        Assert.Contains("\"office\":\"port-angeles\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("\"office\":\"bremerton\"", list, StringComparison.Ordinal);

        using var signOut = await browser.GetAsync("/dev/signout");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/cases")).StatusCode);
    }

    [Fact]
    public async Task An_open_redirect_is_not_possible_through_the_sign_in()
    {
        await using var host = await LocalHostServer.StartAsync();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var signIn = await browser.PostAsync("/dev/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["person"] = "casey", ["returnUrl"] = "//evil.example/x" }));
        Assert.Equal("/portal", signIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task With_dev_sign_in_off_a_forged_principal_header_is_ignored()
    {
        await using var host = await LocalHostServer.StartAsync(s => s["LocalHost:DevSignIn"] = "false");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cases");
        request.Headers.Add(ClientPrincipal.Header, Admin);
        using var response = await host.Anonymous.SendAsync(request);
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Anonymous.GetAsync("/dev/signin")).StatusCode);
    }
}
