using System.Text.Json;
using Microsoft.Playwright;
using OptOut.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// The opted-out branch of 5212PRO as people live it, in a real browser (Playwright driving the system's Chromium):
/// intake form, supervisor email in the dev mailbox (sent through the SendGrid client into the sink), the MIS
/// simulator's "Clear Opt-Out box", the emailed decision link, the case page, and the case manager's outcome email.
/// Screenshots go to artifacts/ in the test output folder.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed class BrowserFlowTests(LocalHostFixture fixture, ITestOutputHelper output)
{
    private LocalHostServer Host => fixture.Host;

    private readonly string _artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    [ChromiumFact]
    public async Task Supervisor_opts_the_client_in_from_the_emailed_link_and_the_case_manager_hears_the_outcome()
    {
        var chromium = Browser.ExecutablePath
            ?? throw new InvalidOperationException($"OPTOUT_REQUIRE_BROWSER=1 but Chromium was not found at {Browser.CandidatePath}: install it with `apt-get install -y chromium` or set OPTOUT_CHROMIUM.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        await using var context = await browser.NewContextAsync(new() { BaseURL = Host.BaseUrl });
        context.SetDefaultTimeout(20_000);
        SetDefaultExpectTimeout(20_000);
        var page = await context.NewPageAsync();
        var caseId = Requests.UniqueId("e2e", maxLength: 20);

        try
        {
            // Case manager: open a case for the seeded opted-out client.
            await page.GotoAsync("/dev/intake?seeker=S-1005");
            await Expect(page.GetByLabel("First name")).ToHaveValueAsync("Elena");
            await page.GetByLabel("Office", new() { Exact = true }).SelectOptionAsync("port-angeles");
            await page.GetByLabel("Case id (optional idempotency key)").FillAsync(caseId);
            await page.GetByRole(AriaRole.Button, new() { Name = "Open case" }).ClickAsync();
            await page.WaitForURLAsync($"**/dev/cases/{caseId}");

            // Supervisor: the request arrives in the dev mailbox.
            await page.GotoAsync("/dev/mailbox");
            var request = page.GetByRole(AriaRole.Link, new() { Name = $"Opt-in request: Elena Optout (case {caseId})", Exact = true });
            await UntilAsync(page, async () => await request.CountAsync() == 1);
            await request.ClickAsync();
            var emailUrl = page.Url;
            await Expect(page.GetByText("Phone: 360-555-0105")).ToBeVisibleAsync();
            await Expect(page.GetByText("Reason: Client wants to enroll in WIOA Adult training.")).ToBeVisibleAsync();
            var recordLink = page.GetByRole(AriaRole.Link, new() { Name = "Record the decision" });
            var link = await recordLink.GetAttributeAsync("href") ?? throw new InvalidOperationException("The email has no decision link.");
            Assert.StartsWith($"{Host.BaseUrl}/api/decisions/", link, StringComparison.Ordinal);

            // Mail scanners and previews: HEAD and GET of the link change nothing. (The link works as soon as the email
            // lands; wait for the case to record the step's emails so the timeline comparison is exact.)
            var before = await Host.WaitForEmailsRecordedAsync(caseId);
            using (var head = await Host.Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, link)))
            using (var get = await Host.Anonymous.GetAsync(link))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, head.StatusCode);
                Assert.Equal(System.Net.HttpStatusCode.OK, get.StatusCode);
            }

            var after = await Host.CaseAsync(caseId);
            Assert.Equal("AwaitingSupervisor", LocalHostServer.Stage(after));
            Assert.Equal(JsonValueKind.Null, after.GetProperty("decision").ValueKind);
            Assert.Equal(before.GetProperty("timeline").GetArrayLength(), after.GetProperty("timeline").GetArrayLength());

            // A second tab holds the decision page open, to submit it again after the decision (reuse).
            var stale = await context.NewPageAsync();
            await stale.GotoAsync(link);
            await Expect(stale.GetByRole(AriaRole.Heading, new() { Name = "Opt-in decision for Elena Optout" })).ToBeVisibleAsync();

            // Supervisor, acting as MIS: clear the Opt-Out box for S-1005.
            await page.GotoAsync("/sim/mis/participants");
            var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "S-1005" });
            await row.GetByRole(AriaRole.Button, new() { Name = "Clear Opt-Out box" }).ClickAsync();
            await Expect(row).ToContainTextAsync("visible");
            await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Clear Opt-Out box" })).ToHaveCountAsync(0);
            Assert.False(Host.Mis.Find("S-1005")!.OptedOut);

            // Supervisor: follow the email's link and record the decision with the accessible form.
            await page.GotoAsync(emailUrl);
            await recordLink.ClickAsync();
            await page.WaitForURLAsync(link);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
            var choice = page.GetByRole(AriaRole.Group, new() { Name = "What did the client decide?" });
            await choice.GetByRole(AriaRole.Radio, new() { Name = "The client opted in: I cleared the Opt-Out check-box in Edit Job Seeker" }).CheckAsync();
            await page.GetByRole(AriaRole.Textbox, new() { Name = "Note for the case manager (optional)" }).FillAsync("Spoke with the client; Opt-Out box cleared.");
            await Screenshot(page, "1-decision-page");
            await page.GetByRole(AriaRole.Button, new() { Name = "Record decision" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Decision recorded" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Elena Optout opted in");
            await Screenshot(page, "2-decision-recorded");

            // Case manager: the case page shows the outcome once the workflow verified and added the client.
            await page.GotoAsync($"/dev/cases/{caseId}");
            await UntilAsync(page, async () => await page.Locator("#outcome").TextContentAsync() == "OptedInAndAdded");
            await Expect(page.Locator("#stage")).ToHaveTextAsync("Closed");
            await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Add Seeker to Office", Exact = true })).ToBeVisibleAsync();
            await Screenshot(page, "3-case-closed");
            Assert.Contains("port-angeles", Host.Mis.Find("S-1005")!.Offices);

            // Case manager: the outcome email, with the next step.
            await page.GotoAsync("/dev/mailbox");
            var outcome = page.GetByRole(AriaRole.Link, new() { Name = $"Case {caseId} (Elena Optout) closed: client opted in and was added to your office", Exact = true });
            await UntilAsync(page, async () => await outcome.CountAsync() == 1);
            await Screenshot(page, "4-mailbox");
            await outcome.ClickAsync();
            await Expect(page.GetByText("proceed with program information and/or enrollment")).ToBeVisibleAsync();
            await Expect(page.GetByText("Spoke with the client; Opt-Out box cleared.")).ToBeVisibleAsync();

            // Reuse: submitting the same link again (the tab opened earlier) gets the 409 page and changes nothing.
            await stale.GetByRole(AriaRole.Radio, new() { Name = "The client remains opted out: I offered an ESD WIOA staff member" }).CheckAsync();
            var reused = await stale.RunAndWaitForResponseAsync(
                () => stale.GetByRole(AriaRole.Button, new() { Name = "Record decision" }).ClickAsync(),
                r => r.Url == link && r.Request.Method == "POST");
            Assert.Equal(409, reused.Status);
            await Expect(stale.GetByRole(AriaRole.Heading, new() { Name = "A decision was already recorded" })).ToBeVisibleAsync();
            await Expect(stale.GetByRole(AriaRole.Alert)).ToContainTextAsync(caseId);
            await Expect(stale.GetByRole(AriaRole.Alert)).ToContainTextAsync("Pat Supervisor (supervisor) recorded on");
            await Screenshot(stale, "5-reused-link-409");
            Assert.Equal("OptedInAndAdded", (await Host.CaseAsync(caseId)).GetProperty("outcome").GetString());
        }
        catch
        {
            await Screenshot(page, "failure");
            throw;
        }
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(_artifacts, $"opted-in-flow-{name}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Reloads the page until the condition holds (the workflow runs on its own clock).</summary>
    private static async Task UntilAsync(IPage page, Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                var text = await page.Locator("main").InnerTextAsync();
                throw new TimeoutException($"Condition not met on {page.Url} within {seconds}s. The page says: {text[..Math.Min(text.Length, 1500)]}");
            }

            await Task.Delay(250);
            await page.ReloadAsync();
        }
    }
}
