using System.Net;
using System.Net.Http.Json;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The local host on the Azure Storage provider against a real Azurite that is stopped mid-test: every case route
/// answers 503 problem+json with Retry-After (never a 500 with an empty body).
/// The in-memory engine has no storage to lose, so this runs on the Azure Storage provider only.
/// </summary>
public sealed class StoreUnavailableTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private LocalHostServer? _host;

    private LocalHostServer Host => _host!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _host = await LocalHostServer.StartAsync(s =>
        {
            s["LocalHost:Store"] = "AzureStorage";
            s["LocalHost:AzureStorage:ConnectionString"] = _azurite.ConnectionString;
            s.SupervisorWait(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(20));
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task With_storage_down_every_case_route_is_503_problem_with_retry_after()
    {
        var id = await Host.OpenCaseAsync("S-1006", "down-1");
        await Host.WaitForStageAsync(id, "AwaitingSupervisor");
        using (var healthy = await Host.Anonymous.GetAsync("/api/health"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        await _azurite.StopAsync();

        await AssertUnavailableAsync(await Host.Http.GetAsync($"/api/cases/{id}"));
        await AssertUnavailableAsync(await Host.Http.GetAsync("/api/cases?stage=AwaitingSupervisor"));
        await AssertUnavailableAsync(await Host.Http.PostAsync($"/api/cases/{id}/withdraw", null));
        await AssertUnavailableAsync(await Host.Http.PostAsJsonAsync("/api/cases", Requests.For("S-1001", "down-2")));
        await AssertUnavailableAsync(await Host.Anonymous.GetAsync("/api/health"));

        // Bad input is still judged before storage is touched.
        await (await Host.Http.GetAsync("/api/cases?continuationToken=garbage")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            Assert.True(response.Headers.RetryAfter!.Delta > TimeSpan.Zero);
            Assert.Contains("try again", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}
