using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Json;
using OptOut.Workflow.Lookup;

namespace OptOut.Infrastructure.Mis;

/// <summary>The "Mis" settings section.</summary>
public sealed class MisOptions
{
    public const string Section = "Mis";

    [Required(ErrorMessage = "Mis:BaseUrl is required (the MIS gateway, or the local host's simulator at http://localhost:7071/sim/mis/).")]
    public Uri? BaseUrl { get; set; }

    /// <summary>Sent as the x-api-key header. Key Vault reference in Azure.</summary>
    public string? ApiKey { get; set; }

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 20;
}

/// <summary>
/// MIS gateway over HTTP (docs/mis-gateway.md). Resilience (retry with backoff on 429/5xx/timeouts, circuit breaker)
/// is added by Microsoft.Extensions.Http.Resilience where the typed client is registered. Errors never echo the request
/// body, so the SSN cannot reach an exception message or a log.
/// </summary>
public sealed class HttpMisGateway(HttpClient http) : IMisGateway
{
    public async Task<SeekerMatch> SearchAsync(string firstName, string lastName, string phone, string? office, CancellationToken cancellationToken)
    {
        var body = new SearchBody(firstName, lastName, phone, office);
        using var response = await http.PostAsJsonAsync("seekers/search", body, cancellationToken);
        await EnsureSuccess(response, "search");
        return await response.Content.ReadFromJsonAsync<SeekerMatch>(cancellationToken) ?? throw new MisGatewayException("MIS search returned an empty body.");
    }

    public async Task<AddSeekerResult> AddSeekerToOfficeAsync(string seekerId, string office, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"offices/{Uri.EscapeDataString(office)}/seekers", new AddBody(seekerId), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return new AddSeekerResult(AlreadyInOffice: true);
        }

        await EnsureSuccess(response, "add seeker to office");
        return await response.Content.ReadFromJsonAsync<AddSeekerResult>(cancellationToken) ?? new AddSeekerResult(AlreadyInOffice: false);
    }

    public async Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("opt-out-lookup", new LookupBody(ssnDigits), cancellationToken);
        await EnsureSuccess(response, "opt-out lookup");
        return await response.Content.ReadFromJsonAsync<OptOutLookupResult>(cancellationToken) ?? throw new MisGatewayException("MIS opt-out lookup returned an empty body.");
    }

    private static Task EnsureSuccess(HttpResponseMessage response, string operation) =>
        response.IsSuccessStatusCode
            ? Task.CompletedTask
            : throw new MisGatewayException($"MIS {operation} failed with HTTP {(int)response.StatusCode}.", (int)response.StatusCode);

    private sealed record SearchBody(string FirstName, string LastName, string Phone, string? Office);

    private sealed record AddBody(string SeekerId);

    private sealed record LookupBody(string Ssn);
}
