using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi.Models;
using Microsoft.OpenApi.Readers;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.Testing;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Protection;

namespace OptOut.LocalHost.Tests;

/// <summary>A local host whose supervisors wait long enough for the table of requests to use one waiting case.</summary>
public sealed class ContractHost : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s => s.SupervisorWait(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(20)),
    };
}

/// <summary>
/// A local host whose durable engine cannot be reached (every client call fails as a refused connection does), and whose
/// agency asks supervisors to sign in before deciding (Auth:DecisionsRequireSignIn): the 503s and the decision pages' 401.
/// </summary>
public sealed class StoreDownHost : LocalHostServerFixture
{
    protected override LocalHostServerOptions Options() => new()
    {
        Settings = s => s["Auth:DecisionsRequireSignIn"] = "true",
        Services = s => s.AddSingleton(Unreachable()),
    };

    private static DurableTaskClient Unreachable()
    {
        var refused = new HttpRequestException("connection refused");
        var client = Substitute.For<DurableTaskClient>("unreachable");
        client.GetInstanceAsync("", CancellationToken.None).ThrowsAsyncForAnyArgs(refused);
        client.GetInstanceAsync("", false, CancellationToken.None).ThrowsAsyncForAnyArgs(refused);
        client.GetInstancesAsync("", false, CancellationToken.None).ThrowsAsyncForAnyArgs(refused);
        client.ScheduleNewOrchestrationInstanceAsync(default(TaskName), (object?)null, (StartOrchestrationOptions?)null, CancellationToken.None).ThrowsAsyncForAnyArgs(refused);
        client.RaiseEventAsync("", "", (object?)null, CancellationToken.None).ThrowsAsyncForAnyArgs(refused);
        client.GetAllInstancesAsync((OrchestrationQuery?)null).ThrowsForAnyArgs(refused);
        return client;
    }
}

/// <summary>
/// The OpenAPI document (GET /api/openapi.json) against the hosts that serve it: it is valid OpenAPI 3.0, its paths and
/// methods are the route table's, and every (path, method, status) it documents is one a real request gets from the
/// local host, and no other: a table of requests below produces each documented status, and each answer's media type
/// and headers are the documented ones.
/// </summary>
public sealed class OpenApiContractTests(ContractHost fixture, StoreDownHost down) : IClassFixture<ContractHost>, IClassFixture<StoreDownHost>
{
    private const string Supervisor = "pat.supervisor@example.org";

    private LocalHostServer Host => fixture.Host;

    [Fact]
    public async Task The_document_is_served_as_cacheable_json_and_is_valid_openapi_3_0()
    {
        using var response = await Host.Anonymous.GetAsync("/api/openapi.json");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.Equal(Api.OpenApi.ContractDocument.Json(null), text);
        var document = new OpenApiStringReader().Read(text, out var diagnostic);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        Assert.Equal("/", Assert.Single(document.Servers).Url);
    }

    [Fact]
    public async Task Its_paths_and_methods_are_the_route_tables_nothing_more_nothing_less()
    {
        var document = await ReadAsync();
        var documented = document.Paths.SelectMany(p => p.Value.Operations.Keys.Select(m => (p.Key, m.ToString().ToUpperInvariant()))).Order().ToList();
        var routes = Routes.All.SelectMany(r => r.Methods.Select(m => (r.Path, m))).Order().ToList();
        Assert.Equal(routes, documented);
    }

    [Fact]
    public async Task Case_routes_take_an_integration_key_or_entra_sign_in_and_nothing_else_needs_a_credential()
    {
        var document = await ReadAsync();
        Assert.Equal(SecuritySchemeType.ApiKey, document.Components.SecuritySchemes["integrationKey"].Type);
        Assert.Equal("x-functions-key", document.Components.SecuritySchemes["integrationKey"].Name);
        Assert.Equal(ParameterLocation.Header, document.Components.SecuritySchemes["integrationKey"].In);
        Assert.Equal(SecuritySchemeType.OpenIdConnect, document.Components.SecuritySchemes["entraId"].Type);
        Assert.Contains("/.auth/login/aad", document.Components.SecuritySchemes["entraId"].Description, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"), document.Components.SecuritySchemes["entraId"].OpenIdConnectUrl);

        foreach (var route in Routes.All)
        {
            foreach (var (_, operation) in document.Paths[route.Path].Operations)
            {
                var schemes = operation.Security.SelectMany(r => r.Keys.Select(k => k.Reference.Id)).Order(StringComparer.Ordinal);
                string[] expected = route.RequiresCaller ? ["entraId", "integrationKey"] : [];
                Assert.Equal(expected, schemes);
            }
        }
    }

    [Fact]
    public void A_tenant_id_names_the_tenants_openid_metadata()
    {
        var json = Api.OpenApi.ContractDocument.Json("11111111-2222-3333-4444-555555555555");
        Assert.Contains("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_request_example_holds_an_ssn_and_it_is_the_well_known_fake()
    {
        var json = Api.OpenApi.ContractDocument.Json(null);
        Assert.Equal(1, json.Split("123-45-6789").Length - 1);
        Assert.False(Ssn.ContainsSsnShaped(json.Replace("123-45-6789", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Schemas_come_from_the_types_the_endpoints_use()
    {
        var schemas = JsonNode.Parse(Api.OpenApi.ContractDocument.Json(null))!["components"]!["schemas"]!;
        Assert.Equal(
            ["caseId", "caseManager", "client", "reason"],
            schemas["CaseIntakeRequest"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("#/components/schemas/TimelineView", schemas["CaseView"]!["properties"]!["timeline"]!["items"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/CaseView", schemas["CasePage"]!["properties"]!["items"]!["items"]!["$ref"]!.GetValue<string>());
        Assert.True(schemas["CaseView"]!["properties"]!["outcome"]!["nullable"]!.GetValue<bool>());
        Assert.Contains("AwaitingSupervisor", schemas["CaseView"]!["properties"]!["stage"]!["enum"]!.AsArray().Select(v => v?.GetValue<string>()));
        Assert.NotNull(schemas["HttpValidationProblemDetails"]!["properties"]!["errors"]);
    }

    [Fact]
    public async Task Every_documented_status_is_answered_and_no_other_with_the_documented_media_type_and_headers()
    {
        var document = JsonNode.Parse(await Host.Anonymous.GetStringAsync("/api/openapi.json"))!;
        var observed = await ObserveAsync();

        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (status, _) in operation!["responses"]!.AsObject())
                {
                    documented.Add($"{method.ToUpperInvariant()} {path} {status}");
                }
            }
        }

        var answered = new SortedSet<string>(observed.Select(o => o.Key), StringComparer.Ordinal);
        Assert.True(
            documented.SetEquals(answered),
            $"Documented, never answered: {string.Join("; ", documented.Except(answered))}. Answered, not documented: {string.Join("; ", answered.Except(documented))}.");

        foreach (var o in observed)
        {
            var response = document["paths"]![o.Path]![o.Method.ToLowerInvariant()]!["responses"]![o.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!;
            if (response["content"] is JsonObject content)
            {
                Assert.True(content.ContainsKey(o.MediaType ?? ""), $"{o.Key}: answered {o.MediaType}, documented {string.Join(", ", content.Select(c => c.Key))}.");
            }

            foreach (var (header, _) in response["headers"]?.AsObject() ?? [])
            {
                Assert.True(o.Headers.Contains(header), $"{o.Key}: no {header} header.");
            }
        }
    }

    /// <summary>One answer: the documented path template, the method, status, media type and header names.</summary>
    private sealed record Observed(string Method, string Path, int Status, string? MediaType, IReadOnlySet<string> Headers)
    {
        public string Key => $"{Method} {Path} {Status}";
    }

    /// <summary>The table: requests that between them get every answer the document lists.</summary>
    private async Task<List<Observed>> ObserveAsync()
    {
        var all = new List<Observed>();
        var key = Host.FunctionKey;
        var admin = Person("alex.admin@example.org", "Administrator");
        var noRole = Person("nobody@example.org");
        var pat = Person(Supervisor, "Supervisor");
        var waiting = Requests.UniqueId("oa-wait");
        var withdrawn = Requests.UniqueId("oa-withdraw");
        var closed = Requests.UniqueId("oa-closed");
        var big = new string('x', 70 * 1024);

        async Task Send(LocalHostServer host, string method, string template, string path, HttpContent? content = null, string? apiKey = null, string? principal = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
            if (apiKey is not null)
            {
                request.Headers.Add("x-functions-key", apiKey);
            }

            if (principal is not null)
            {
                request.Headers.Add(ClientPrincipal.Header, principal);
            }

            using var response = await host.Anonymous.SendAsync(request);
            var headers = response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            all.Add(new Observed(method, template, (int)response.StatusCode, method == "HEAD" ? null : response.Content.Headers.ContentType?.MediaType, headers));
        }

        StringContent Json(object body) => new(JsonSerializer.Serialize(body, Http.Web), Encoding.UTF8, "application/json");
        static StringContent Text(string body, string mediaType) => new(body, Encoding.UTF8, mediaType);
        static FormUrlEncodedContent Form(string decision, string note = "") => new(new Dictionary<string, string> { ["decision"] = decision, ["note"] = note });

        // POST /api/cases
        const string cases = "/api/cases";
        await Send(Host, "POST", cases, cases, Json(Requests.For("S-1006", waiting)), key);
        await Send(Host, "POST", cases, cases, Json(Requests.For("S-1006", waiting)), key);
        await Send(Host, "POST", cases, cases, Json(Requests.For("S-1002", waiting)), key);
        await Send(Host, "POST", cases, cases, Text("{\"client\":", "application/json"), key);
        await Send(Host, "POST", cases, cases, Json(Requests.For("S-1001", Requests.UniqueId("oa-anon"))));
        await Send(Host, "POST", cases, cases, Json(Requests.For("S-1001", Requests.UniqueId("oa-norole"))), principal: noRole);
        await Send(Host, "POST", cases, cases, Text("{\"reason\":\"" + big + "\"}", "application/json"), key);
        await Send(Host, "POST", cases, cases, Text("hello", "text/plain"), key);
        await Send(down.Host, "POST", cases, cases, Json(Requests.For("S-1001", Requests.UniqueId("oa-down"))), key);

        // GET /api/cases
        await Send(Host, "GET", cases, cases, principal: admin);
        await Send(Host, "GET", cases, cases + "?pageSize=0", principal: admin);
        await Send(Host, "GET", cases, cases);
        await Send(Host, "GET", cases, cases, apiKey: key);
        await Send(down.Host, "GET", cases, cases, principal: admin);

        // GET /api/cases/{caseId}
        const string oneCase = "/api/cases/{caseId}";
        await Send(Host, "GET", oneCase, $"/api/cases/{waiting}", apiKey: key);
        await Send(Host, "GET", oneCase, $"/api/cases/{waiting}");
        await Send(Host, "GET", oneCase, $"/api/cases/{waiting}", principal: noRole);
        await Send(Host, "GET", oneCase, "/api/cases/no-such-case", apiKey: key);
        await Send(down.Host, "GET", oneCase, $"/api/cases/{waiting}", apiKey: key);

        // POST /api/cases/{caseId}/withdraw
        const string withdraw = "/api/cases/{caseId}/withdraw";
        await Host.OpenCaseAsync("S-1006", withdrawn);
        await Host.OpenCaseAsync("S-1001", closed);
        await Host.WaitForStageAsync(withdrawn, "AwaitingSupervisor");
        await Host.WaitForStageAsync(closed, "Closed");
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", Json(new { reason = "The client found a job." }), principal: admin);
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", Json(new { reason = new string('r', 501) }), key);
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw");
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", principal: noRole);
        await Send(Host, "POST", withdraw, "/api/cases/no-such-case/withdraw", apiKey: key);
        await Send(Host, "POST", withdraw, $"/api/cases/{closed}/withdraw", principal: admin);
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", Text("{\"reason\":\"" + big + "\"}", "application/json"), key);
        await Send(Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", Text("hello", "text/plain"), key);
        await Send(down.Host, "POST", withdraw, $"/api/cases/{withdrawn}/withdraw", apiKey: key);

        // GET and HEAD /api/decisions/{token}, then POST
        const string decision = "/api/decisions/{token}";
        await Host.WaitForStageAsync(waiting, "AwaitingSupervisor");
        var tokens = Host.Services.GetRequiredService<DecisionTokens>();
        var link = tokens.Create(waiting, Supervisor);
        var expired = new DecisionTokens(Host.Services.GetRequiredService<IOptions<LinkOptions>>(), new PastTime()).Create(waiting, Supervisor);
        var missing = tokens.Create("no-such-case", Supervisor);
        var closedLink = tokens.Create(closed, Supervisor);
        var downLink = down.Host.Services.GetRequiredService<DecisionTokens>().Create(waiting, Supervisor);
        foreach (var method in new[] { "GET", "HEAD" })
        {
            await Send(Host, method, decision, $"/api/decisions/{link}");
            await Send(down.Host, method, decision, $"/api/decisions/{downLink}");
            await Send(Host, method, decision, "/api/decisions/not.signed");
            await Send(Host, method, decision, $"/api/decisions/{missing}");
            await Send(Host, method, decision, $"/api/decisions/{closedLink}");
            await Send(Host, method, decision, $"/api/decisions/{expired}");
            await Send(down.Host, method, decision, $"/api/decisions/{downLink}", principal: pat);
        }

        await Send(Host, "POST", decision, $"/api/decisions/{link}", Form("maybe"));
        await Send(down.Host, "POST", decision, $"/api/decisions/{downLink}", Form(SupervisorDecision.RemainOptedOutValue));
        await Send(Host, "POST", decision, "/api/decisions/not.signed", Form(SupervisorDecision.RemainOptedOutValue));
        await Send(Host, "POST", decision, $"/api/decisions/{missing}", Form(SupervisorDecision.RemainOptedOutValue));
        await Send(Host, "POST", decision, $"/api/decisions/{expired}", Form(SupervisorDecision.RemainOptedOutValue));
        await Send(Host, "POST", decision, $"/api/decisions/{link}", Form(SupervisorDecision.RemainOptedOutValue, new string('n', 20 * 1024)));
        await Send(Host, "POST", decision, $"/api/decisions/{link}", Json(new { decision = SupervisorDecision.RemainOptedOutValue }));
        await Send(down.Host, "POST", decision, $"/api/decisions/{downLink}", Form(SupervisorDecision.RemainOptedOutValue), principal: pat);
        await Send(Host, "POST", decision, $"/api/decisions/{link}", Form(SupervisorDecision.RemainOptedOutValue, "Prefers ESD staff."));
        await Send(Host, "POST", decision, $"/api/decisions/{link}", Form(SupervisorDecision.OptedInValue));

        // GET /api/health, GET /api/openapi.json
        await Send(Host, "GET", "/api/health", "/api/health");
        await Send(down.Host, "GET", "/api/health", "/api/health");
        await Send(Host, "GET", "/api/openapi.json", "/api/openapi.json");
        return all;
    }

    private async Task<OpenApiDocument> ReadAsync()
    {
        var text = await Host.Anonymous.GetStringAsync("/api/openapi.json");
        var document = new OpenApiStringReader().Read(text, out var diagnostic);
        Assert.Empty(diagnostic.Errors);
        return document;
    }

    /// <summary>The principal header App Service Authentication would send for a person (the local host trusts it: dev sign-in).</summary>
    private static string Person(string email, params string[] roles) => new ClientPrincipal(
        "aad",
        [
            new("http://schemas.microsoft.com/identity/claims/objectidentifier", "test-" + email),
            new("name", email),
            new("preferred_username", email),
            .. roles.Select(r => new PrincipalClaim("roles", r)),
            new("office", "port-angeles"),
        ],
        "name",
        "roles").Encode();

    /// <summary>A month ago: links signed now with this clock have expired.</summary>
    private sealed class PastTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow.AddDays(-30);
    }
}
