using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Intake;

namespace OptOut.Api.OpenApi;

/// <summary>
/// The document's component schemas, generated from the C# types the endpoints read and write
/// (<see cref="JsonSchemaExporter"/>, with the serializer options each side uses), so a renamed or added property shows
/// up in the document without anyone editing it. The exporter writes JSON Schema 2020-12; this turns it into the
/// OpenAPI 3.0 dialect (<c>nullable: true</c> instead of a <c>"null"</c> type) and replaces nested component types by
/// <c>$ref</c>s. What the types cannot say (which request fields are required, the names a string takes) is added
/// from <see cref="ContractFacts"/>, which refuses a property the type does not have.
/// </summary>
public static class ContractSchemas
{
    /// <summary>How the hosts write responses (ASP.NET Core's JSON defaults: web, camelCase).</summary>
    /// Numbers are written as numbers (the web defaults' "read from a string too" would make them string-or-integer).
    private static readonly JsonSerializerOptions ResponseJson = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), NumberHandling = JsonNumberHandling.Strict };

    /// <summary>How intake reads requests (<see cref="IntakeJson.Options"/>), with the resolver the exporter needs.</summary>
    private static readonly JsonSerializerOptions RequestJson = new(IntakeJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), NumberHandling = JsonNumberHandling.Strict };

    /// <summary>Component name → type, and whether it is read with the intake reader (request) or written (response).</summary>
    public static IReadOnlyList<(string Name, Type Type, bool Request)> Components { get; } =
    [
        ("CaseIntakeRequest", typeof(CaseIntakeRequest), true),
        ("CaseIntakeCaseManager", typeof(CaseManagerDto), true),
        ("CaseIntakeClient", typeof(ClientDto), true),
        ("WithdrawRequest", typeof(WithdrawRequest), true),
        ("CaseAccepted", typeof(CaseAccepted), false),
        ("WithdrawAccepted", typeof(WithdrawAccepted), false),
        ("CaseView", typeof(CaseView), false),
        ("TimelineView", typeof(TimelineView), false),
        ("CasePage", typeof(CasePage), false),
        ("HealthStatus", typeof(HealthStatus), false),
        ("ProblemDetails", typeof(ProblemDetails), false),
        ("HttpValidationProblemDetails", typeof(HttpValidationProblemDetails), false),
    ];

    /// <summary>Every component schema, by name.</summary>
    public static JsonObject Build()
    {
        var schemas = new JsonObject();
        foreach (var (name, type, request) in Components)
        {
            schemas[name] = Schema(type, request);
        }

        return schemas;
    }

    private static JsonObject Schema(Type type, bool request)
    {
        var options = request ? RequestJson : ResponseJson;
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                // A nested component is a reference (the root is the component itself).
                var nested = context.Path.Length > 0 ? Components.FirstOrDefault(c => c.Type == context.TypeInfo.Type).Name : null;
                return nested is not null ? new JsonObject { ["$ref"] = $"#/components/schemas/{nested}" } : node;
            },
        };
        var node = JsonSchemaExporter.GetJsonSchemaAsNode(options, type, exporter);
        var schema = ToOpenApi30(node) as JsonObject ?? throw new InvalidOperationException($"The schema of {type.Name} is not an object.");
        ContractFacts.Apply(type, schema, request);
        return schema;
    }

    /// <summary>JSON Schema 2020-12 as the exporter writes it → the OpenAPI 3.0 schema object.</summary>
    internal static JsonNode? ToOpenApi30(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
            {
                var result = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (key == "$schema")
                    {
                        continue;
                    }

                    if (key == "type" && value is JsonArray types)
                    {
                        var named = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList();
                        if (named.Count == 1)
                        {
                            result["type"] = named[0];
                        }

                        if (named.Count < types.Count)
                        {
                            result["nullable"] = true;
                        }

                        continue;
                    }

                    result[key] = ToOpenApi30(value);
                }

                if (result.ContainsKey("$ref") && result.Count > 1)
                {
                    // OpenAPI 3.0 ignores every sibling of $ref.
                    return new JsonObject { ["$ref"] = result["$ref"]!.DeepClone() };
                }

                return result;
            }

            case JsonArray a:
                return new JsonArray([.. a.Select(ToOpenApi30)]);
            case JsonValue v when v.GetValueKind() == JsonValueKind.True:
                return new JsonObject(); // "true": anything
            default:
                return node?.DeepClone();
        }
    }
}
