using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>The withdrawal reason is stored in the case and emailed: it is refused, not truncated, when it does not fit.</summary>
public sealed class WithdrawReasonTests : IAsyncLifetime
{
    private LocalHostServer _host = null!;

    public async Task InitializeAsync() => _host = await LocalHostServer.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("Relocated; SSN 521-11-0005")]
    [InlineData("bad \u0001 character")]
    public async Task A_reason_with_an_ssn_or_control_characters_is_400_and_the_case_keeps_waiting(string reason)
    {
        await Refused(reason);
    }

    [Fact]
    public async Task A_reason_over_500_characters_is_400_not_cut()
    {
        await Refused(new string('x', 501));
    }

    private async Task Refused(string reason)
    {
        var id = Requests.UniqueId("wr", maxLength: 20);
        await _host.OpenCaseAsync("S-1006", id);
        await _host.WaitForStageAsync(id, "AwaitingSupervisor");

        using var response = await _host.Http.PostAsJsonAsync(new Uri($"/api/cases/{id}/withdraw", UriKind.Relative), new { reason });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"reason\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("521-11-0005", body, StringComparison.Ordinal);

        // A withdrawal that is accepted afterwards proves the refused one raised nothing: the case closes once, Withdrawn,
        // with the accepted reason only.
        using var accepted = await _host.Http.PostAsJsonAsync(new Uri($"/api/cases/{id}/withdraw", UriKind.Relative), new { reason = "Client moved away." });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var closed = await _host.WaitForCaseAsync(id, c => c.GetProperty("stage").GetString() == "Closed");
        var timeline = closed.GetProperty("timeline").EnumerateArray().ToList();
        var withdrawn = Assert.Single(timeline, t => t.GetProperty("step").GetString() == "Withdrawn");
        Assert.Equal("The case was withdrawn by Olive Operator. Reason: Client moved away.", withdrawn.GetProperty("detail").GetString()); // the signed-in person, from the sign-in
        Assert.DoesNotContain(timeline, t => t.GetProperty("detail").GetString()!.Contains(reason[..8], StringComparison.Ordinal));
    }
}
