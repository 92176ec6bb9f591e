using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OptOut.Testing;
using OptOut.Workflow.Decisions;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// The emailed decision link over real HTTP on the local host: GET/HEAD show a page and change nothing, POST decides
/// once; tampered 403, expired 410, reused or closed 409. The pages are accessible (lang, labels, fieldset/legend, roles).
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed partial class DecisionPageHttpTests(LocalHostFixture fixture)
{
    private LocalHostServer Host => fixture.Host;

    [Fact]
    public async Task Get_and_head_show_the_confirmation_page_and_change_nothing()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-get-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);
        Assert.StartsWith($"{Host.BaseUrl}/api/decisions/", link, StringComparison.Ordinal);
        var before = await Host.WaitForCaseAsync(caseId, c => LocalHostServer.Stage(c) == "AwaitingSupervisor");
        var mails = Host.Mailbox.For(caseId).Count;

        for (var i = 0; i < 3; i++)
        {
            var (getStatus, html) = await SendAsync(HttpMethod.Get, link);
            var (headStatus, headBody) = await SendAsync(HttpMethod.Head, link);
            Assert.Equal(HttpStatusCode.OK, getStatus);
            Assert.Equal(getStatus, headStatus);
            Assert.Equal("", headBody);
            Assert.Contains("Opening this page changes nothing.", html, StringComparison.Ordinal);
            Assert.Contains("Farid Staysout", html, StringComparison.Ordinal);
        }

        var after = await Host.CaseAsync(caseId);
        Assert.Equal("AwaitingSupervisor", LocalHostServer.Stage(after));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("decision").ValueKind);
        Assert.Equal(before.GetProperty("timeline").GetArrayLength(), after.GetProperty("timeline").GetArrayLength());
        Assert.Equal(mails, Host.Mailbox.For(caseId).Count);
    }

    [Fact]
    public async Task The_decision_page_is_accessible_and_not_cached()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-a11y-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);

        using var response = await Host.Anonymous.GetAsync(link);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoStore, "decision pages carry a bearer link: no-store");
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Matches("<title>Opt-in decision for Farid Staysout — Opt-Out Case Automation</title>", html);
        Assert.Contains("<h1>Opt-in decision for Farid Staysout</h1>", html, StringComparison.Ordinal);
        Assert.Matches(@"<fieldset>\s*<legend>What did the client decide\?</legend>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        // Every form control has a label that names it; the radios are required as a group.
        var ids = InputId().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["decision-opted-in", "decision-remain", "note"], ids);
        foreach (var id in ids)
        {
            Assert.Contains($"<label for=\"{id}\">", html, StringComparison.Ordinal);
        }

        Assert.Matches("<input type=\"radio\" id=\"decision-opted-in\" name=\"decision\" value=\"opted-in\" required>", html);
        Assert.Contains("value=\"remain-opted-out\"", html, StringComparison.Ordinal);
        Assert.Contains("<button type=\"submit\">Record decision</button>", html, StringComparison.Ordinal);
        Assert.Matches("<form method=\"post\"[^>]*>", html);
        Assert.DoesNotContain("action=\"\"", html, StringComparison.Ordinal); // posts back to the link itself
    }

    [Fact]
    public async Task Post_decides_once_and_a_reused_link_gets_409_on_every_method()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-reuse-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);

        var (status, html) = await PostAsync(link, ("decision", "remain-opted-out"), ("note", "Client keeps opt-out; offered ESD staff."));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>Decision recorded</h1>", html, StringComparison.Ordinal);
        Assert.Matches("<p class=\"note\" role=\"status\">Thank you. Pat Supervisor, you recorded that Farid Staysout remains opted out", html);

        var closed = await Host.WaitForCaseAsync(caseId, c => c.GetProperty("outcome").ValueKind == JsonValueKind.String);
        Assert.Equal("RemainsOptedOut", closed.GetProperty("outcome").GetString());

        var (again, againHtml) = await PostAsync(link, ("decision", "opted-in"));
        Assert.Equal(HttpStatusCode.Conflict, again);
        AssertRefusalPage(againHtml, "A decision was already recorded");
        Assert.Matches(@"Pat Supervisor \(supervisor\) recorded on \d{4}-\d\d-\d\d \d\d:\d\d UTC that the client remains opted out", againHtml);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Get, link)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Head, link)).Status);
        Assert.Equal("RemainsOptedOut", (await Host.CaseAsync(caseId)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_tampered_link_is_403_on_every_method_and_changes_nothing()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-tamper-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);
        var tampered = link[..^3] + (link[^3] == 'x' ? "yyy" : "xxx");

        var (get, html) = await SendAsync(HttpMethod.Get, tampered);
        Assert.Equal(HttpStatusCode.Forbidden, get);
        AssertRefusalPage(html, "This link is not valid");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Head, tampered)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(tampered, ("decision", "opted-in"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"{Host.BaseUrl}/api/decisions/garbage")).Status);

        await AssertStillWaitingAsync(caseId);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, link)).Status);
    }

    [Fact]
    public async Task An_expired_link_is_410_on_every_method_and_changes_nothing()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-expired-1");
        await Host.DecisionLinkFromMailboxAsync(caseId);
        var links = Host.Services.GetRequiredService<IOptions<LinkOptions>>();
        var issuedEarlier = new FakeTimeProvider(DateTimeOffset.UtcNow - links.Value.Lifetime - TimeSpan.FromMinutes(1));
        var expired = $"{Host.BaseUrl}/api/decisions/{new DecisionTokens(links, issuedEarlier).Create(caseId, "pat.supervisor@example.org")}"; // same key

        var (get, html) = await SendAsync(HttpMethod.Get, expired);
        Assert.Equal(HttpStatusCode.Gone, get);
        AssertRefusalPage(html, "This link has expired");
        Assert.Equal(HttpStatusCode.Gone, (await SendAsync(HttpMethod.Head, expired)).Status);
        Assert.Equal(HttpStatusCode.Gone, (await PostAsync(expired, ("decision", "remain-opted-out"))).Status);

        await AssertStillWaitingAsync(caseId);
    }

    [Fact]
    public async Task A_post_without_a_choice_or_not_a_form_is_refused_and_changes_nothing()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-bad-post-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);

        var (noChoice, html) = await PostAsync(link, ("note", "forgot to choose"));
        Assert.Equal(HttpStatusCode.BadRequest, noChoice);
        AssertRefusalPage(html, "Choose an option");
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(link, ("decision", "maybe"))).Status);

        using var json = await Host.Anonymous.PostAsync(link, new StringContent("{\"decision\":\"opted-in\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        await AssertStillWaitingAsync(caseId);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, link)).Status); // the link is still usable
    }

    [Fact]
    public async Task A_link_to_a_case_that_does_not_exist_is_404()
    {
        var tokens = Host.Services.GetRequiredService<DecisionTokens>();
        var (status, html) = await SendAsync(HttpMethod.Get, $"{Host.BaseUrl}/api/decisions/{tokens.Create("no-such-case", "pat.supervisor@example.org")}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertRefusalPage(html, "Case not found");
    }

    [Fact]
    public async Task A_note_with_an_ssn_or_over_1000_characters_is_refused_with_the_pages_own_400_and_nothing_is_recorded()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-note-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);

        var (ssn, ssnHtml) = await PostAsync(link, ("decision", "remain-opted-out"), ("note", "Client is 521-11-0006, stays out."));
        Assert.Equal(HttpStatusCode.BadRequest, ssn);
        AssertRefusalPage(ssnHtml, "The note cannot be accepted");
        Assert.Contains("SSN", ssnHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("0006", ssnHtml, StringComparison.Ordinal); // the value is never repeated

        var (control, _) = await PostAsync(link, ("decision", "remain-opted-out"), ("note", "escape \u001b[31m"));
        Assert.Equal(HttpStatusCode.BadRequest, control);

        var (tooLong, longHtml) = await PostAsync(link, ("decision", "remain-opted-out"), ("note", new string('n', 1001)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Contains("1,000", longHtml, StringComparison.Ordinal); // the page says the limit

        await AssertStillWaitingAsync(caseId);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(link, ("decision", "remain-opted-out"), ("note", new string('n', 1000)))).Status);
        var closed = await Host.WaitForCaseAsync(caseId, c => LocalHostServer.Stage(c) == "Closed");
        Assert.Contains(new string('n', 1000), closed.GetProperty("detail").GetString(), StringComparison.Ordinal); // kept whole
    }

    [Fact]
    public async Task A_chunked_body_over_the_cap_is_413_and_a_forged_link_is_refused_before_its_body_is_read()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "page-body-cap-1");
        var link = await Host.DecisionLinkFromMailboxAsync(caseId);

        // No Content-Length: the body is streamed (chunked) and capped while read.
        var form = "decision=remain-opted-out&note=" + new string('x', 40 * 1024);
        using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(form)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, link) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var tooLarge = await Host.Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("role=\"alert\"", await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertStillWaitingAsync(caseId);

        // A forged link is refused on its token alone: not even the content type of the body is looked at.
        var forged = link[..^2] + (link[^2] == 'A' ? "BB" : "AA");
        using var forgedPost = await Host.Anonymous.PostAsync(forged, new StringContent("not a form", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Forbidden, forgedPost.StatusCode);
    }

    private static void AssertRefusalPage(string html, string title)
    {
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
        Assert.Matches("<p class=\"note err\" role=\"alert\">[^<]+</p>", html);
        Assert.DoesNotContain("<form", html, StringComparison.Ordinal);
    }

    private async Task AssertStillWaitingAsync(string caseId)
    {
        var c = await Host.CaseAsync(caseId);
        Assert.Equal("AwaitingSupervisor", LocalHostServer.Stage(c));
        Assert.Equal(JsonValueKind.Null, c.GetProperty("decision").ValueKind);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string url)
    {
        using var request = new HttpRequestMessage(method, url);
        using var response = await Host.Anonymous.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string url, params (string Name, string Value)[] fields)
    {
        using var response = await Host.Anonymous.PostAsync(url, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("<(?:input|textarea)[^>]* id=\"([^\"]+)\"")]
    private static partial Regex InputId();
}
