using System.Net;
using System.Text;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using OptOut.DevTools.Mis;
using OptOut.Testing;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// Every branch driven over HTTP on the local host (API, decision pages, MIS simulator actions); then no seeded SSN,
/// in any form, may appear in any response body, log line or email of the local host.
/// </summary>
public sealed class SsnInResponsesTests : LocalHostServerFixture
{
    private readonly List<(string Where, string Body)> _responses = [];

    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s =>
        {
            // Decisions must not land in the same instant as a reminder timer (see SsnNeverLeaksTests).
            s.SupervisorWait(TimeSpan.FromMinutes(1), escalateAfter: TimeSpan.FromMinutes(1), deadline: TimeSpan.FromMinutes(2));
            s["Workflow:RegistrationDeadline"] = "00:00:20";
        },
    };

    [Fact]
    public async Task No_response_log_or_email_of_the_local_host_contains_a_seeded_ssn()
    {
        var cases = new (string Id, string Seeker, bool? HasAccount, string Outcome)[]
        {
            ("api-1001", "S-1001", null, "AlreadyInOffice"),
            ("api-1002", "S-1002", null, "AddedFromStatewide"),
            ("api-1003", "S-1003", false, "RegisteredAndAdded"),
            ("api-1004", "S-1004", null, "NotOptedOutNeedsReview"),
            ("api-1005", "S-1005", null, "OptedInAndAdded"),
            ("api-1006", "S-1006", null, "RemainsOptedOut"),
            ("api-1006-w", "S-1006", null, "Withdrawn"),
            ("api-1007", "S-1007", null, "Failed"),
        };
        foreach (var c in cases)
        {
            var response = await SendAsync(HttpMethod.Post, "/api/cases", Http.JsonContent(Http.Json(Requests.For(c.Seeker, c.Id, hasAccount: c.HasAccount))));
            Assert.Equal(HttpStatusCode.Accepted, response);
        }

        // Duplicate, conflict and invalid requests carrying seeded SSNs.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/cases", Http.JsonContent(Http.Json(Requests.For("S-1001", "api-1001")))));
        Assert.Equal(HttpStatusCode.Conflict, await SendAsync(HttpMethod.Post, "/api/cases", Http.JsonContent(Http.Json(Requests.For("S-1005", "api-1001")))));
        var invalid = Requests.For("S-1007", "api-invalid");
        invalid.Client!.Phone = "1";
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(HttpMethod.Post, "/api/cases", Http.JsonContent(Http.Json(invalid))));
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(HttpMethod.Post, "/api/cases", Http.JsonContent("{\"client\":{\"ssn\":\"521-11-0005\",}}")));

        await WaitForAsync("api-1003", "\"stage\":\"AwaitingRegistration\"");
        await SendAsync(HttpMethod.Post, "/sim/mis/participants/S-1003/register", null, record: false);
        foreach (var id in new[] { "api-1005", "api-1006", "api-1006-w", "api-1007" })
        {
            await WaitUntilWaitingAsync(id);
        }

        await SendAsync(HttpMethod.Post, "/sim/mis/participants/S-1005/opt-in", null, record: false);

        await DecideAsync("api-1005", "opted-in");
        await DecideAsync("api-1006", "remain-opted-out");
        await DecideAsync("api-1007", "opted-in");
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(HttpMethod.Post, "/api/cases/api-1006-w/withdraw", Http.JsonContent("{\"reason\":\"Client moved.\"}"), person: People.Casey));

        foreach (var c in cases)
        {
            await WaitForAsync(c.Id, $"\"outcome\":\"{c.Outcome}\"");
            await SendAsync(HttpMethod.Get, $"/portal/cases/{c.Id}", null, person: People.Casey);
        }

        // Listing needs a signed-in person (an integration key reads only the cases it opened, by id).
        await SendAsync(HttpMethod.Get, "/api/cases?pageSize=500", null, person: People.Alex);
        await SendAsync(HttpMethod.Get, "/api/cases?stage=Closed", null, person: People.Casey);
        await SendAsync(HttpMethod.Get, "/api/cases?status=Completed&pageSize=2", null, person: People.Pat);
        await SendAsync(HttpMethod.Get, "/api/cases?outcome=Withdrawn", null, person: People.Casey);
        await SendAsync(HttpMethod.Get, "/portal", null, person: People.Casey);
        await SendAsync(HttpMethod.Get, "/portal?stage=Closed", null, person: People.Pat);
        await SendAsync(HttpMethod.Get, "/portal?outcome=OptedInAndAdded", null, person: People.Alex);
        await SendAsync(HttpMethod.Get, "/portal/open", null, person: People.Casey);
        await SendAsync(HttpMethod.Get, "/dev/mailbox", null);
        foreach (var m in Host.Mailbox.All)
        {
            await SendAsync(HttpMethod.Get, $"/dev/mailbox/{m.Id}", null);
        }

        var haystacks = _responses
            .Concat(Host.Logs.Lines.Select(l => ("log", l)))
            .Concat(Host.Mailbox.All.Select(m => ($"email {m.Message.Key}", $"{m.Message.To}\n{m.Message.Subject}\n{m.Message.TextBody}\n{m.Message.HtmlBody}")))
            .ToList();
        Assert.True(_responses.Count > 40, $"only {_responses.Count} responses");
        var leaks = (
            from p in MisSimulator.Seeded().Participants
            from form in Requests.SsnForms(p.Ssn)
            from h in haystacks
            where h.Item2.Contains(form, StringComparison.Ordinal)
            select $"{p.SeekerId} ({form}) in {h.Item1}").Distinct().ToList();
        Assert.True(leaks.Count == 0, "SSN found:\n" + string.Join("\n", leaks.Take(50)));
        Assert.Contains(_responses, r => r.Body.Contains("***-**-0005", StringComparison.Ordinal));
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, HttpContent? content, bool record = true, DevPerson? person = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var signedIn = person is null ? null : Host.SignedIn(person);
        using var response = await (signedIn ?? Host.Http).SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (record)
        {
            _responses.Add(($"{method} {path} → {(int)response.StatusCode}", $"{response.Headers}\n{response.Content.Headers}\n{body}"));
        }

        return response.StatusCode;
    }

    private async Task DecideAsync(string caseId, string decision)
    {
        var email = Assert.Single(Host.Mailbox.For(caseId), m => m.Message.Key == $"{caseId}:{NotificationKind.SupervisorRequest}:1");
        var path = "/api/decisions/" + email.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' '])[0];
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, path, null));
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = decision, ["note"] = "Called the client." });
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, path, form));
        Assert.Equal(HttpStatusCode.Conflict, await SendAsync(HttpMethod.Post, path, new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = decision })));
    }

    private async Task WaitForAsync(string caseId, string fragment)
    {
        var body = await Eventually.UntilAsync(
            async () =>
            {
                using var response = await Host.Http.GetAsync($"/api/cases/{caseId}");
                return await response.Content.ReadAsStringAsync();
            },
            b => b.Contains(fragment, StringComparison.Ordinal),
            TimeSpan.FromSeconds(40),
            last => $"{caseId} never showed {fragment}: {last}");
        _responses.Add(($"GET /api/cases/{caseId}", body));
    }

    /// <summary>
    /// Until the case waits on its supervisor: the orchestrator publishes that stage in the step that starts listening
    /// for the decision and sets the reminder timer, so a decision posted from now on reaches a live waiter.
    /// </summary>
    // The stage is AwaitingSupervisor from the step that schedules the emails; the test reads the emailed link, so it
    // waits until the step that sent it is recorded.
    private Task WaitUntilWaitingAsync(string caseId) => WaitForAsync(caseId, "\"Supervisor emailed\"");
}
