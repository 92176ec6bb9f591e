using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OptOut.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// The case-manager portal and the opted-out branch of 5212PRO as people live it, in a real browser (Playwright driving
/// the system's Chromium, never a downloaded one): the dev sign-in, the portal's "Open a case" form, the case page
/// following the case, the supervisor's emailed link from the dev mailbox, the MIS simulator's "Clear Opt-Out box", and
/// the case manager seeing the outcome. Screenshots go to artifacts/ in the test output folder.
/// </summary>
[Collection(LocalHostCollection.Name)]
public sealed partial class BrowserFlowTests(LocalHostFixture fixture, ITestOutputHelper output)
{
    private const string Reason = "Client wants to enroll in WIOA Adult training.";

    private LocalHostServer Host => fixture.Host;

    private readonly string _artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    [ChromiumFact]
    public async Task BrowserFlow_case_manager_opens_a_case_in_the_portal_the_supervisor_opts_the_client_in_and_the_case_manager_sees_the_outcome()
    {
        await using var browser = await BrowserSession.StartAsync(Host.BaseUrl);
        var page = browser.Page;
        var caseId = Requests.UniqueId("e2e", maxLength: 20);
        try
        {
            // Case manager: the portal sends her to sign in, and back.
            await page.GotoAsync("/portal");
            await SignInAsync(page, "Casey Manager");
            await Expect(page).ToHaveURLAsync(new Regex("/portal$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My cases", Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync("Signed in as Casey Manager");

            // Open a case for the seeded opted-out client (S-1005).
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "Open a case" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open a case", Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByLabel("Office", new() { Exact = true })).ToHaveValueAsync("port-angeles");
            await FillClientAsync(page, "521-11-0005");
            await page.GetByLabel("Case id (optional)").FillAsync(caseId);
            await Screenshot(page, "1-open-a-case");
            await page.GetByRole(AriaRole.Button, new() { Name = "Open case" }).ClickAsync();
            await page.WaitForURLAsync($"**/portal/cases/{caseId}");

            // The case page follows the case until it waits for the supervisor; the SSN only masked.
            await Expect(page.Locator("#stage")).ToHaveTextAsync("AwaitingSupervisor", new() { Timeout = 60_000 });
            await Expect(page.Locator("#next-steps")).ToContainTextAsync("Nothing to do until the supervisor records the client's decision");
            await Expect(page.GetByText("***-**-0005", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(page.Locator("ol#timeline > li").First).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Withdraw case" })).ToBeEnabledAsync();
            Assert.DoesNotContain("521-11-0005", await page.ContentAsync(), StringComparison.Ordinal);
            await Screenshot(page, "2-case-waiting");

            // Signs out.
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();
            await Expect(page.GetByText("You are not signed in.")).ToBeVisibleAsync();

            // Supervisor: the request arrives in the dev mailbox; the email's link opens the decision page.
            await page.GotoAsync("/dev/mailbox");
            var request = page.GetByRole(AriaRole.Link, new() { Name = $"Opt-in request: Elena Optout (case {caseId})", Exact = true });
            await UntilAsync(page, async () => await request.CountAsync() == 1);
            await request.ClickAsync();
            var emailUrl = page.Url;
            await Expect(page.GetByText("Phone: 360-555-0105")).ToBeVisibleAsync();
            await Expect(page.GetByText($"Reason: {Reason}")).ToBeVisibleAsync();

            // Supervisor, acting as MIS: clear the Opt-Out box for S-1005.
            await page.GotoAsync("/sim/mis/participants");
            var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "S-1005" });
            await row.GetByRole(AriaRole.Button, new() { Name = "Clear Opt-Out box" }).ClickAsync();
            await Expect(row).ToContainTextAsync("visible");
            Assert.False(Host.Mis.Find("S-1005")!.OptedOut);

            // Supervisor: the decision page (GET shows it, changes nothing), then the decision.
            await page.GotoAsync(emailUrl);
            await page.GetByRole(AriaRole.Link, new() { Name = "Record the decision" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Opt-in decision for Elena Optout" })).ToBeVisibleAsync();
            var choice = page.GetByRole(AriaRole.Group, new() { Name = "What did the client decide?" });
            await choice.GetByRole(AriaRole.Radio, new() { Name = "The client opted in: I cleared the Opt-Out check-box in Edit Job Seeker" }).CheckAsync();
            await page.GetByRole(AriaRole.Textbox, new() { Name = "Note for the case manager (optional)" }).FillAsync("Spoke with the client; Opt-Out box cleared.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Record decision" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Decision recorded" })).ToBeVisibleAsync();
            await Screenshot(page, "3-decision-recorded");

            // Case manager: signs in again (the case page sends her to sign in and back) and sees the case closed.
            await page.GotoAsync($"/portal/cases/{caseId}");
            await SignInAsync(page, "Casey Manager");
            await page.WaitForURLAsync($"**/portal/cases/{caseId}");
            await Expect(page.Locator("#outcome")).ToHaveTextAsync("OptedInAndAdded", new() { Timeout = 60_000 });
            await Expect(page.Locator("#stage")).ToHaveTextAsync("Closed");
            await Expect(page.Locator("#next-steps")).ToContainTextAsync("enroll them in WIOA");
            await Expect(page.Locator("ol#timeline")).ToContainTextAsync("Add Seeker to Office");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Withdraw case" })).ToHaveCountAsync(0);
            await Screenshot(page, "4-case-closed");
            Assert.Contains("port-angeles", Host.Mis.Find("S-1005")!.Offices);

            // Her list, filtered by outcome with the plain GET form.
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "My cases" }).ClickAsync();
            await page.GetByLabel("Outcome").SelectOptionAsync("OptedInAndAdded");
            await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("outcome=OptedInAndAdded"));
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = caseId, Exact = true })).ToBeVisibleAsync();
            await Screenshot(page, "5-my-cases");
        }
        catch
        {
            await Screenshot(page, "failure");
            throw;
        }
    }

    [ChromiumFact]
    public async Task BrowserFlow_the_open_form_is_labelled_works_from_the_keyboard_and_shows_errors_next_to_their_fields()
    {
        await using var browser = await BrowserSession.StartAsync(Host.BaseUrl);
        var page = browser.Page;
        try
        {
            await page.GotoAsync("/portal/open");
            await SignInAsync(page, "Casey Manager");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open a case", Level = 1 })).ToBeVisibleAsync();

            // Every control has a label; the first Tab reaches the skip link, which leads to the main content.
            var unlabelled = await page.EvaluateAsync<string[]>(
                "() => Array.from(document.querySelectorAll('input, select, textarea, button')).filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !(e.tagName === 'BUTTON' && e.textContent.trim())).map(e => e.outerHTML)");
            Assert.Empty(unlabelled);
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#main")).ToBeFocusedAsync();

            // A malformed SSN, submitted from the keyboard: the browser-side check shows the error next to the field.
            await FillClientAsync(page, "12345");
            var ssn = page.GetByLabel("Social Security number");
            await ssn.PressAsync("Enter");
            await Expect(page.Locator("#form-errors")).ToBeFocusedAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Social Security number");
            await Expect(page.Locator("#ssn-error")).ToBeVisibleAsync();
            await Expect(page.Locator("#ssn-error")).ToContainTextAsync("9 digits");
            await Expect(ssn).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(ssn).ToHaveAttributeAsync("aria-describedby", new Regex(@"\bssn-error\b"));

            // The summary's link takes the keyboard to the field.
            await page.Locator("#form-errors a").First.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(ssn).ToBeFocusedAsync();

            // An SSN that is well-formed but never issued: the API's 400 problem+json error lands next to the field.
            await ssn.FillAsync("000-11-0005");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#ssn-error")).ToContainTextAsync("area number", new() { Timeout = 30_000 });
            await Expect(page.Locator("#form-errors")).ToBeFocusedAsync();
            await Expect(ssn).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.Locator("#firstName")).Not.ToHaveAttributeAsync("aria-invalid", "true");
            await Screenshot(page, "6-ssn-error", "keyboard");
            Assert.DoesNotContain("000-11-0005", await page.Locator("#form-errors").InnerTextAsync(), StringComparison.Ordinal);
        }
        catch
        {
            await Screenshot(page, "failure", "keyboard");
            throw;
        }
    }

    private static async Task SignInAsync(IPage page, string person)
    {
        await page.WaitForURLAsync(new Regex("/dev/signin\\?returnUrl="));
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {person}" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/portal"));
    }

    private static async Task FillClientAsync(IPage page, string ssn)
    {
        await page.GetByLabel("First name").FillAsync("Elena");
        await page.GetByLabel("Last name").FillAsync("Optout");
        await page.GetByLabel("Phone").FillAsync("360-555-0105");
        await page.GetByLabel("Email (optional)").FillAsync("elena@example.net");
        await page.GetByLabel("Social Security number").FillAsync(ssn);
        await page.GetByRole(AriaRole.Radio, new() { Name = "Don't know" }).CheckAsync();
        await page.GetByLabel("Reason").FillAsync(Reason);
    }

    private async Task Screenshot(IPage page, string name, string flow = "portal-flow")
    {
        var path = Path.Combine(_artifacts, $"{flow}-{name}.png");
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

    /// <summary>Playwright driving the system's Chromium (never a downloaded browser), one context and page.</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private IPlaywright _playwright = null!;
        private IBrowser _browser = null!;
        private IBrowserContext _context = null!;

        public IPage Page { get; private set; } = null!;

        public static async Task<BrowserSession> StartAsync(string baseUrl)
        {
            var chromium = Browser.ExecutablePath
                ?? throw new InvalidOperationException($"OPTOUT_REQUIRE_BROWSER=1 but Chromium was not found at {Browser.CandidatePath}: install it with `apt-get install -y chromium` or set OPTOUT_CHROMIUM.");
            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            var session = new BrowserSession();
            session._playwright = await Playwright.CreateAsync();
            session._browser = await session._playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
            session._context = await session._browser.NewContextAsync(new() { BaseURL = baseUrl });
            session._context.SetDefaultTimeout(20_000);
            SetDefaultExpectTimeout(20_000);
            session.Page = await session._context.NewPageAsync();
            return session;
        }

        public async ValueTask DisposeAsync()
        {
            await _context.DisposeAsync();
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
