using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The README's promise: POST a case to the running local host, then GET shows its stage and timeline until it closes.</summary>
public sealed class CaseLifecycleTests : LocalHostServerFixture
{
    [Theory]
    [InlineData("S-1001", "AlreadyInOffice", "Received,SearchingOffice,Closed", "Received,Office Quick Search,Closed")]
    [InlineData("S-1002", "AddedFromStatewide", "Received,SearchingOffice,SearchingStatewide,AddingToOffice,Closed", "Received,Office Quick Search,Statewide search,Add Seeker to Office,Closed")]
    [InlineData("S-1004", "NotOptedOutNeedsReview", "Received,SearchingOffice,SearchingStatewide,CheckingOptOut,Closed", "Received,Office Quick Search,Statewide search,Opt-Out Lookup,Closed")]
    public async Task Posted_case_runs_to_its_outcome_and_get_shows_stage_and_timeline(string seeker, string outcome, string stages, string timeline)
    {
        var caseId = $"it-{seeker}"; // kept in lower case: it-s-1001 (docs/intake.md, "Case ids")
        using var post = await Host.Http.PostAsJsonAsync("api/cases", Requests.For(seeker, caseId));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal($"/api/cases/{caseId.ToLowerInvariant()}", post.Headers.Location?.OriginalString);

        var seen = new List<string>(); // each stage GET showed, once per change
        JsonElement view = default;
        for (var i = 0; i < 300; i++)
        {
            using var get = await Host.Http.GetAsync(post.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            view = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
            var stage = view.GetProperty("stage").GetString()!;
            if (seen.Count == 0 || seen[^1] != stage)
            {
                seen.Add(stage);
            }

            if (view.GetProperty("stage").GetString() == "Closed")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal("Closed", view.GetProperty("stage").GetString());
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        Assert.Equal(outcome, view.GetProperty("outcome").GetString());
        var steps = view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("step").GetString()).ToList();
        Assert.Equal(timeline.Split(','), steps);
        // Polling may miss a stage, but every stage GET showed belongs to this branch and came in the procedure's order.
        var order = stages.Split(',').ToList();
        Assert.All(seen, s => Assert.Contains(s, order));
        Assert.Equal(seen.OrderBy(order.IndexOf), seen);
        Assert.Equal("Closed", seen[^1]);
        Assert.All(view.GetProperty("timeline").EnumerateArray(), t => Assert.True(t.GetProperty("at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5)));
    }

    [Fact]
    public async Task Opted_out_case_waits_for_the_supervisor_and_can_be_withdrawn()
    {
        using var post = await Host.Http.PostAsJsonAsync("api/cases", Requests.For("S-1006", "it-wait"));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var view = await Host.WaitForStageAsync("it-wait", "AwaitingSupervisor");
        Assert.Equal("AwaitingSupervisor", view.GetProperty("stage").GetString());
        using var list = await Host.Http.GetAsync("api/cases?stage=AwaitingSupervisor");
        Assert.Contains("it-wait", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var withdraw = await Host.Http.PostAsJsonAsync("api/cases/it-wait/withdraw", new { reason = "Client moved away." });
        Assert.Equal(HttpStatusCode.Accepted, withdraw.StatusCode);
        view = await Host.WaitForStageAsync("it-wait", "Closed");

        Assert.Equal("Withdrawn", view.GetProperty("outcome").GetString());
        using var again = await Host.Http.PostAsJsonAsync("api/cases/it-wait/withdraw", new { reason = "again" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Start_page_and_health_answer()
    {
        using var anonymous = Host.NewClient(key: null, acceptJson: false);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("api/health")).StatusCode);
        var home = await anonymous.GetStringAsync("");
        Assert.Contains("href=\"/portal\"", home, StringComparison.Ordinal);
        Assert.Contains("href=\"/dev/signin\"", home, StringComparison.Ordinal);
        Assert.Contains("href=\"/dev/mailbox\"", home, StringComparison.Ordinal);
        Assert.Contains("href=\"/sim/mis/participants\"", home, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/intake", home, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/cases/x")).StatusCode);
    }
}
