using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OptOut.Api.OpenApi;

/// <summary>
/// The OpenAPI document of the HTTP contract (GET /api/openapi.json on both hosts; docs/openapi.md): paths and methods
/// from the route table (<see cref="Routes.All"/>), each described by <see cref="ContractOperations"/>, schemas
/// generated from the C# types (<see cref="ContractSchemas"/>).
/// <para>
/// OpenAPI 3.0.3, not 3.1: Azure API Management imports 3.0 documents fully, and Power Platform custom connectors take
/// only 2.0, which API Management exports from an imported 3.0 API (docs/openapi.md). 3.1 would gain nothing the
/// contract uses.
/// </para>
/// </summary>
public static class ContractDocument
{
    public const string Version = "3.0.3";

    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The document as JSON text; built once per tenant id and kept.</summary>
    /// <param name="tenantId">The Entra ID tenant people sign in with (<c>Auth:TenantId</c>); empty: the common endpoint.</param>
    public static string Json(string? tenantId) =>
        Cache.GetOrAdd(string.IsNullOrWhiteSpace(tenantId) ? "" : tenantId.Trim(), t => Build(t).ToJsonString(Indented));

    /// <summary>The document.</summary>
    public static JsonObject Build(string? tenantId)
    {
        var paths = new JsonObject();
        foreach (var group in Routes.All.GroupBy(r => r.Path))
        {
            var item = new JsonObject();
            foreach (var route in group)
            {
                var operations = ContractOperations.For(route)
                    ?? throw new InvalidOperationException($"Route {route.Name} has no description in ContractOperations.");
                var methods = operations.Select(o => o.Method).Order(StringComparer.Ordinal);
                if (!methods.SequenceEqual(route.Methods.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                {
                    throw new InvalidOperationException($"Route {route.Name} is described for {string.Join(", ", methods)}, but serves {string.Join(", ", route.Methods)}.");
                }

                foreach (var operation in operations)
                {
                    item[operation.Method.ToLowerInvariant()] = Operation(operation, route.RequiresCaller);
                }
            }

            paths[group.Key] = item;
        }

        return new JsonObject
        {
            ["openapi"] = Version,
            ["info"] = new JsonObject
            {
                ["title"] = "Opt-Out Case Automation",
                ["version"] = "1",
                ["description"] = "Opens and follows OWDC 5212PRO \"Opt-Out Participant\" cases for workforce-council case managers, and records the ESD WIOA supervisor's decision. Errors are application/problem+json; the SSN is only ever returned as ***-**-1234. See docs/openapi.md.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The app that served this document." }),
            ["tags"] = new JsonArray(
                new JsonObject { ["name"] = "Cases", ["description"] = "Open, read, list and withdraw cases: an integration key or a signed-in person." },
                new JsonObject { ["name"] = "Decisions", ["description"] = "The supervisor's emailed decision link: HTML pages, the signed token is the credential." },
                new JsonObject { ["name"] = "Operations", ["description"] = "Health and this document." }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = ContractSchemas.Build(),
                ["headers"] = new JsonObject
                {
                    ["Location"] = Header("The case's address, /api/cases/{caseId}."),
                    ["Retry-After"] = Header("Seconds to wait before trying again.", integer: true),
                },
                ["securitySchemes"] = new JsonObject
                {
                    ["integrationKey"] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["in"] = "header",
                        ["name"] = FunctionKey.Header,
                        ["description"] = "An integration's key (Integrations:<name>:KeySha256 holds its SHA-256), mapped to the offices it may open cases for. May also be sent as the query parameter code. An integration key opens cases and reads the cases by id; it cannot list.",
                    },
                    ["entraId"] = new JsonObject
                    {
                        ["type"] = "openIdConnect",
                        ["openIdConnectUrl"] = OpenIdConnectUrl(tenantId),
                        ["description"] = "A person signed in with Entra ID through App Service Authentication (Easy Auth): browsers sign in at /.auth/login/aad and then send the session cookie; the platform passes the person to the app. App roles CaseManager, Supervisor or Administrator decide what the person may see and do.",
                    },
                },
            },
        };
    }

    /// <summary>The tenant's OpenID Connect metadata (v2.0); the common endpoint without a tenant id.</summary>
    public static string OpenIdConnectUrl(string? tenantId) =>
        string.Create(CultureInfo.InvariantCulture, $"https://login.microsoftonline.com/{Uri.EscapeDataString(string.IsNullOrWhiteSpace(tenantId) ? "common" : tenantId.Trim())}/v2.0/.well-known/openid-configuration");

    private static JsonObject Operation(ContractOperation operation, bool requiresCaller)
    {
        var responses = new JsonObject();
        foreach (var response in operation.Responses)
        {
            var r = new JsonObject { ["description"] = response.Description };
            if (response.Headers.Count > 0)
            {
                var headers = new JsonObject();
                foreach (var header in response.Headers)
                {
                    headers[header] = new JsonObject { ["$ref"] = $"#/components/headers/{header}" };
                }

                r["headers"] = headers;
            }

            if (response.Content.Count > 0)
            {
                var content = new JsonObject();
                foreach (var (mediaType, schema) in response.Content)
                {
                    content[mediaType] = new JsonObject { ["schema"] = schema.DeepClone() };
                }

                r["content"] = content;
            }

            responses[response.Status.ToString(CultureInfo.InvariantCulture)] = r;
        }

        var o = new JsonObject
        {
            ["tags"] = new JsonArray(operation.Tag),
            ["operationId"] = operation.OperationId,
            ["summary"] = operation.Summary,
            ["description"] = operation.Description,
        };
        if (operation.Parameters.Count > 0)
        {
            o["parameters"] = new JsonArray([.. operation.Parameters.Select(p => p.DeepClone())]);
        }

        if (operation.RequestBody is not null)
        {
            o["requestBody"] = operation.RequestBody.DeepClone();
        }

        o["responses"] = responses;
        // Case routes: either credential. Everything else is open (decision links carry a signed token).
        o["security"] = requiresCaller
            ? new JsonArray(new JsonObject { ["integrationKey"] = new JsonArray() }, new JsonObject { ["entraId"] = new JsonArray() })
            : new JsonArray();
        return o;
    }

    private static JsonObject Header(string description, bool integer = false) => new()
    {
        ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = integer ? "integer" : "string" },
    };
}
