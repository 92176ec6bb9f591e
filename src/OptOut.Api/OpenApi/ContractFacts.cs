using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.Api.OpenApi;

/// <summary>
/// What the C# types of the contract cannot say about themselves: which intake fields are required (intake checks them,
/// docs/intake.md), lengths and formats, and the names the string-typed stage/status/outcome of a view take. Each fact
/// names a property; a property the generated schema does not have fails the build of the document (and its tests).
/// </summary>
internal static class ContractFacts
{
    private static readonly Dictionary<Type, Action<Facts>> ByType = new()
    {
        [typeof(CaseIntakeRequest)] = f => f
            .Required("caseManager", "client", "reason")
            .Set("caseId", "description", "The idempotency key: resending the same request with the same caseId is safe. Kept in lower case. Omitted: the service makes one.")
            .Set("caseId", "pattern", "^[A-Za-z0-9_-]{1,64}$")
            .Set("caseId", "maxLength", 64)
            .Set("reason", "description", "Why the client needs help; emailed to the supervisor. No SSN or other 9-digit number; line breaks and tabs allowed.")
            .Set("reason", "maxLength", IntakeValidator.MaxReason),
        [typeof(CaseManagerDto)] = f => f
            .Required("name", "email", "office")
            .Set("name", "maxLength", 100)
            .Set("email", "format", "email")
            .Set("email", "maxLength", 254)
            .Set("office", "description", "A configured office code (Offices:<code>), any letter case.")
            .Set("office", "maxLength", 64),
        [typeof(ClientDto)] = f => f
            .Required("firstName", "lastName", "phone", "ssn")
            .Set("firstName", "maxLength", 100)
            .Set("lastName", "maxLength", 100)
            .Set("phone", "description", "A 10-digit US number (360-555-0100, (360) 555-0100, +1 360.555.0100, ...).")
            .Set("email", "format", "email")
            .Set("email", "description", "Optional: without it the client gets no emails and the case manager passes the message on.")
            .Set("ssn", "description", "Nine digits, bare or as 3-2-4 groups separated by one hyphen or space. Encrypted at intake; every answer shows only ***-**-1234.")
            .Set("hasWorkSourceAccount", "description", "false sends the case straight to the registration step; absent means unknown."),
        [typeof(WithdrawRequest)] = f => f
            .Set("reason", "maxLength", WithdrawCaseHandler.MaxReason)
            .Set("reason", "description", "Optional. No SSN or other 9-digit number; line breaks and tabs allowed."),
        [typeof(CaseAccepted)] = f => f
            .AllRequired()
            .Enum("stage", Enum.GetNames<CaseStage>())
            .Enum("status", Enum.GetNames<OrchestrationRuntimeStatus>())
            .Set("location", "description", "The case's address (also the Location header)."),
        [typeof(WithdrawAccepted)] = f => f.AllRequired(),
        [typeof(CaseView)] = f => f
            .AllRequired()
            .Enum("stage", Enum.GetNames<CaseStage>())
            .Enum("status", Enum.GetNames<OrchestrationRuntimeStatus>())
            .Enum("outcome", Enum.GetNames<CaseOutcome>())
            .Set("ssnMasked", "description", "Only the last four digits, as ***-**-1234. The SSN itself is never returned."),
        [typeof(TimelineView)] = f => f.AllRequired(),
        [typeof(CasePage)] = f => f
            .Required("items")
            .Set("continuationToken", "description", "Opaque; pass it back unchanged with the same filters. Null on the last page."),
        [typeof(HealthStatus)] = f => f.AllRequired(),
        [typeof(ProblemDetails)] = f => f.Set("status", "description", "The HTTP status code."),
        [typeof(HttpValidationProblemDetails)] = f => f.Set("errors", "description", "Messages by field (JSON path of the body, or the query parameter's name). A message never repeats the value sent."),
    };

    public static void Apply(Type type, JsonObject schema, bool request)
    {
        if (!ByType.TryGetValue(type, out var facts))
        {
            throw new InvalidOperationException($"No contract facts for {type.Name}: add an entry (even an empty one) to ContractFacts.");
        }

        // The exporter calls constructor parameters required; what is required is said here (facts), nowhere else.
        schema.Remove("required");
        if (request)
        {
            // Intake refuses unknown properties (IntakeJson: UnmappedMemberHandling.Disallow).
            schema["additionalProperties"] = false;
        }

        facts(new Facts(type, schema));
    }

    private sealed class Facts(Type type, JsonObject schema)
    {
        private JsonObject Properties => schema["properties"] as JsonObject ?? throw new InvalidOperationException($"The schema of {type.Name} has no properties.");

        public Facts Required(params string[] names)
        {
            foreach (var name in names)
            {
                Property(name);
            }

            schema["required"] = new JsonArray([.. names.Select(n => JsonValue.Create(n))]);
            return this;
        }

        /// <summary>Every property is always written (nulls included: the hosts write nulls).</summary>
        public Facts AllRequired() => Required([.. Properties.Select(p => p.Key)]);

        public Facts Set(string property, string key, JsonNode value)
        {
            Property(property)[key] = value;
            return this;
        }

        public Facts Enum(string property, string[] names)
        {
            var p = Property(property);
            var values = new JsonArray([.. names.Select(n => JsonValue.Create(n))]);
            if (p["nullable"] is JsonValue nullable && nullable.GetValue<bool>())
            {
                values.Add(null);
            }

            p["enum"] = values;
            return this;
        }

        private JsonObject Property(string name) =>
            Properties[name] as JsonObject ?? throw new InvalidOperationException($"{type.Name} has no property '{name}' (ContractFacts is out of date).");
    }
}
