using System.Net;
using OptOut.Api.Access;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// Decision links with sign-in (docs/access.md): a setting makes the page ask for it, and a signed-in decider is the
/// one recorded, who must be the case's supervisor or escalation contact. The local host's dev sign-in plays Easy Auth.
/// </summary>
public sealed class DecisionSignInTests : LocalHostServerFixture
{
    private static readonly string Pat = OperatorHandler.Person("dev-pat", "Pat Signed-In", "pat.supervisor@example.org", "Supervisor");
    private static readonly string Robin = OperatorHandler.Person("dev-robin", "Robin Supervisor", "robin.supervisor@example.org", "Supervisor");

    protected override LocalHostServerOptions Options() => new() { Settings = s => s["Auth:DecisionsRequireSignIn"] = "true" };

    [Fact]
    public async Task The_page_asks_for_sign_in_refuses_another_supervisor_and_records_the_signed_in_one()
    {
        var id = Requests.UniqueId("dsi", maxLength: 20);
        await Host.OpenCaseAsync("S-1006", id);
        var link = new Uri(await Host.DecisionLinkFromMailboxAsync(id)).PathAndQuery;

        using (var anonymous = await Host.Anonymous.GetAsync(link))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            var page = await anonymous.Content.ReadAsStringAsync();
            Assert.Contains("/dev/signin?returnUrl=" + Uri.EscapeDataString(link.Split('?')[0]), WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        }

        using (var anonymousPost = await Host.Anonymous.PostAsync(link, Form("opted-in")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousPost.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, link, Robin)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, link, Robin, Form("opted-in"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, link, Pat)).StatusCode);

        var decided = await SendAsync(HttpMethod.Post, link, Pat, Form("remain-opted-out"));
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Contains("Pat Signed-In", await decided.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var closed = await Host.WaitForCaseAsync(id, c => c.GetProperty("stage").GetString() == "Closed");
        Assert.Equal("RemainsOptedOut", closed.GetProperty("outcome").GetString());
    }

    private static FormUrlEncodedContent Form(string decision) => new(new Dictionary<string, string> { ["decision"] = decision });

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string principal, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(ClientPrincipal.Header, principal);
        return await Host.Anonymous.SendAsync(request);
    }
}
