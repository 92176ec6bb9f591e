using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OptOut.Api.Portal;
using OptOut.DevTools.Mis;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>A local host whose cases wait for the supervisor long enough for the portal tests to see them waiting.</summary>
public sealed class PortalFixture : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s => s.SupervisorWait(TimeSpan.FromMinutes(2), escalateAfter: TimeSpan.FromMinutes(4), deadline: TimeSpan.FromMinutes(6)),
    };
}

/// <summary>
/// The case-manager portal on the local host (docs/portal.md): sign-in, who sees which case, the list's filters and
/// pages, the open form, the security headers, and no clear SSN in any page.
/// </summary>
public sealed partial class PortalTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private LocalHostServer Host => fixture.Host;

    [Theory]
    [InlineData("/portal?stage=Closed", "/dev/signin?returnUrl=%2Fportal%3Fstage%3DClosed")]
    [InlineData("/portal/open", "/dev/signin?returnUrl=%2Fportal%2Fopen")]
    [InlineData("/portal/cases/some-case", "/dev/signin?returnUrl=%2Fportal%2Fcases%2Fsome-case")]
    public async Task Nobody_signed_in_is_sent_to_sign_in_and_back(string page, string signIn)
    {
        using var response = await Host.Anonymous.GetAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(signIn, response.Headers.Location?.OriginalString);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_person_without_an_app_role_gets_a_403_page()
    {
        using var http = Host.SignedIn(People.Nobody);
        foreach (var page in new[] { "/portal", "/portal/open", "/portal/cases/some-case" })
        {
            using var response = await http.GetAsync(page);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("none of this app's", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Open a case</a>", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_case_manager_opens_a_case_with_her_session_and_sees_it_other_offices_do_not()
    {
        var caseId = Requests.UniqueId("portal");
        using var casey = Host.SignedIn(People.Casey, acceptJson: true);
        var request = Requests.For("S-1006", caseId);
        request.CaseManager = new() { Office = "port-angeles" }; // name and email come from the sign-in
        using (var created = await casey.PostAsJsonAsync("/api/cases", request))
        {
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        }

        // The integration key reads only the cases it opened: Casey follows hers with her session.
        var view = await Eventually.UntilAsync(
            async () => (await casey.GetFromJsonAsync<JsonElement>($"/api/cases/{caseId}")).Clone(),
            c => c.GetProperty("stage").GetString() == "AwaitingSupervisor",
            TimeSpan.FromSeconds(60),
            last => $"Case {caseId} did not wait for the supervisor: {last}");
        Assert.Equal("Casey Manager", view.GetProperty("caseManager").GetString());

        // Casey: her list and the case page, with the masked SSN only.
        var list = await PageAsync(People.Casey, "/portal");
        Assert.Contains($"href=\"/portal/cases/{caseId}\"", list, StringComparison.Ordinal);
        var page = await PageAsync(People.Casey, $"/portal/cases/{caseId}");
        Assert.Contains("Farid Staysout", page, StringComparison.Ordinal);
        Assert.Contains("***-**-0006", page, StringComparison.Ordinal);
        Assert.Contains("<ol class=\"timeline\" id=\"timeline\">", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"stage\">AwaitingSupervisor</dd>", page, StringComparison.Ordinal);
        Assert.Contains(NextSteps.For(LocalCase(view)).Split('.')[0].Replace("'", "&#39;", StringComparison.Ordinal), page, StringComparison.Ordinal);
        Assert.Contains("id=\"withdraw-case\"", page, StringComparison.Ordinal);
        AssertNoClearSsn(list, page);

        // Jordan (bremerton): not found, never forbidden, and not in his list.
        using (var jordan = Host.SignedIn(People.Jordan))
        using (var response = await jordan.GetAsync($"/portal/cases/{caseId}"))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("Farid", body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(caseId, await PageAsync(People.Jordan, "/portal"), StringComparison.Ordinal);

        // Pat supervises port-angeles: sees the case, may not withdraw it. Robin (bremerton) does not see it. Alex sees every office.
        Assert.Contains(caseId, await PageAsync(People.Pat, "/portal"), StringComparison.Ordinal);
        var supervised = await PageAsync(People.Pat, $"/portal/cases/{caseId}");
        Assert.Contains("***-**-0006", supervised, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"withdraw-case\"", supervised, StringComparison.Ordinal);
        Assert.DoesNotContain(caseId, await PageAsync(People.Robin, "/portal"), StringComparison.Ordinal);
        using (var robin = Host.SignedIn(People.Robin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await robin.GetAsync($"/portal/cases/{caseId}")).StatusCode);
        }

        Assert.Contains(caseId, await PageAsync(People.Alex, "/portal?stage=AwaitingSupervisor&pageSize=500"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_outcome_filter_lists_only_cases_that_ended_so_on_the_api_and_the_portal()
    {
        var inOffice = await Host.OpenCaseAsync("S-1001", Requests.UniqueId("outcome"));
        var waiting = await Host.OpenCaseAsync("S-1006", Requests.UniqueId("outcome"));
        await Host.WaitForCaseAsync(inOffice, c => c.GetProperty("outcome").GetString() == "AlreadyInOffice");
        await Host.WaitForStageAsync(waiting, "AwaitingSupervisor");

        using var casey = Host.SignedIn(People.Casey, acceptJson: true);
        foreach (var outcome in new[] { "AlreadyInOffice", "alreadyinoffice" })
        {
            var page = await casey.GetFromJsonAsync<JsonElement>($"/api/cases?outcome={outcome}&pageSize=500");
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.Contains(items, c => c.GetProperty("caseId").GetString() == inOffice);
            Assert.DoesNotContain(items, c => c.GetProperty("caseId").GetString() == waiting);
            Assert.All(items, c => Assert.Equal("AlreadyInOffice", c.GetProperty("outcome").GetString()));
        }

        foreach (var bad in new[] { "Nope", "0", "AlreadyInOffice,Withdrawn" })
        {
            using var response = await casey.GetAsync($"/api/cases?outcome={Uri.EscapeDataString(bad)}");
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("Unknown outcome", problem.GetProperty("errors").GetProperty("outcome")[0].GetString(), StringComparison.Ordinal);
        }

        var filtered = await PageAsync(People.Casey, "/portal?outcome=AlreadyInOffice&pageSize=500");
        Assert.Contains(inOffice, filtered, StringComparison.Ordinal);
        Assert.DoesNotContain(waiting, filtered, StringComparison.Ordinal);
        Assert.Contains("<option value=\"AlreadyInOffice\" selected>", filtered, StringComparison.Ordinal);
        using var html = Host.SignedIn(People.Casey);
        using var invalid = await html.GetAsync("/portal?outcome=Nope");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("Unknown outcome", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_pages_with_the_continuation_token()
    {
        await Host.OpenCaseAsync("S-1006", Requests.UniqueId("paging"));
        await Host.OpenCaseAsync("S-1006", Requests.UniqueId("paging"));
        var first = await PageAsync(People.Alex, "/portal?pageSize=1");
        var next = NextLink().Match(first);
        Assert.True(next.Success, first);
        var second = await PageAsync(People.Alex, WebUtility.HtmlDecode(next.Groups[1].Value));
        Assert.Contains(">First page</a>", second, StringComparison.Ordinal);
        Assert.Single(CaseLinks().Matches(second));
        using var http = Host.SignedIn(People.Alex);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/portal?continuationToken=not-a-token")).StatusCode);
    }

    [Fact]
    public async Task The_open_form_offers_the_case_managers_offices_and_shows_her_sign_in_a_supervisor_is_told_only_case_managers_open_cases()
    {
        var form = await PageAsync(People.Casey, "/portal/open");
        Assert.Contains("<option value=\"port-angeles\" selected>", form, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"bremerton\"", form, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"cm-name\">Casey Manager</dd>", form, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"cm-email\">casey.manager@example.org</dd>", form, StringComparison.Ordinal);
        foreach (Match control in Controls().Matches(form))
        {
            Assert.Contains($"<label for=\"{control.Groups[1].Value}\">", form, StringComparison.Ordinal);
        }

        foreach (var key in new[] { "caseManager.office", "client.firstName", "client.lastName", "client.phone", "client.email", "client.ssn", "reason", "caseId" })
        {
            Assert.Contains($"data-field=\"{key}\"", form, StringComparison.Ordinal);
        }

        var admin = await PageAsync(People.Alex, "/portal/open");
        Assert.Contains("value=\"bremerton\"", admin, StringComparison.Ordinal);
        Assert.Contains("value=\"port-angeles\"", admin, StringComparison.Ordinal);

        using var pat = Host.SignedIn(People.Pat);
        using var refused = await pat.GetAsync("/portal/open");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only case managers open cases", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portal_pages_send_the_security_headers_and_have_no_inline_script_or_style()
    {
        var caseId = await Host.OpenCaseAsync("S-1005", Requests.UniqueId("csp"));
        using var http = Host.SignedIn(People.Casey);
        foreach (var path in new[] { "/portal", "/portal/open", $"/portal/cases/{caseId}", "/portal/cases/missing-case" })
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(PortalPage.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.DoesNotMatch(InlineScript(), body);
            Assert.DoesNotContain("<style", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(InlineStyleOrHandler(), body);
            Assert.Contains("<a class=\"skip-link\" href=\"#main\">", body, StringComparison.Ordinal);
            Assert.Contains("<main id=\"main\"", body, StringComparison.Ordinal);
            Assert.Contains("Signed in as <strong>Casey Manager</strong>", body, StringComparison.Ordinal);
            Assert.Contains("href=\"/dev/signout\">Sign out</a>", body, StringComparison.Ordinal);
            AssertNoClearSsn(body);
        }
    }

    [Theory]
    [InlineData("portal.css", "text/css")]
    [InlineData("portal.js", "text/javascript")]
    public async Task The_stylesheet_and_script_are_served_by_the_app(string name, string mediaType)
    {
        using var response = await Host.Anonymous.GetAsync($"/portal/assets/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 500);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Anonymous.GetAsync("/portal/assets/other.js")).StatusCode);
    }

    private async Task<string> PageAsync(DevPerson person, string path)
    {
        using var http = Host.SignedIn(person);
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} as {person.Id}: {(int)response.StatusCode} {body}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return body;
    }

    private static OptOut.Workflow.Cases.CaseView LocalCase(JsonElement view) =>
        JsonSerializer.Deserialize<OptOut.Workflow.Cases.CaseView>(view.GetRawText(), Http.Web)!;

    private static void AssertNoClearSsn(params string[] pages)
    {
        var leaks = (from p in MisSimulator.Seeded().Participants
                     from form in Requests.SsnForms(p.Ssn)
                     from page in pages
                     where page.Contains(form, StringComparison.Ordinal)
                     select $"{p.SeekerId} ({form})").ToList();
        Assert.True(leaks.Count == 0, "SSN in a portal page: " + string.Join(", ", leaks));
    }

    [GeneratedRegex("<a href=\"(/portal\\?[^\"]*continuationToken=[^\"]+)\" rel=\"next\">")]
    private static partial Regex NextLink();

    [GeneratedRegex("<th scope=\"row\"><a href=\"/portal/cases/")]
    private static partial Regex CaseLinks();

    [GeneratedRegex("<(?:input|select|textarea) id=\"([^\"]+)\"")]
    private static partial Regex Controls();

    [GeneratedRegex("<script(?![^>]*\\bsrc=)", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("\\s(?:style|on[a-z]+)=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyleOrHandler();
}
