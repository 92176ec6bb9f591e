using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.UseCases.ListCases;

namespace OptOut.Api.OpenApi;

/// <summary>One response of an operation: status, what it means, its bodies (media type → schema) and headers.</summary>
internal sealed record ContractResponse(int Status, string Description, IReadOnlyList<(string MediaType, JsonObject Schema)> Content, IReadOnlyList<string> Headers);

/// <summary>One method of a route as the document describes it.</summary>
internal sealed record ContractOperation(
    string Method,
    string OperationId,
    string Tag,
    string Summary,
    string Description,
    IReadOnlyList<JsonObject> Parameters,
    JsonObject? RequestBody,
    IReadOnlyList<ContractResponse> Responses);

/// <summary>
/// The description of every route of <see cref="Routes.All"/>, by route name: kept next to the route table so that a new
/// route without one fails (<see cref="ContractDocument"/> refuses it). Every status listed is one the endpoint answers
/// (the local host's tests produce each of them), and no other.
/// </summary>
internal static class ContractOperations
{
    public const string Json = "application/json";
    public const string ProblemJson = "application/problem+json";
    public const string Html = "text/html";
    public const string Form = "application/x-www-form-urlencoded";

    /// <summary>The operations of a route, one per method, or null when the route has no description.</summary>
    public static IReadOnlyList<ContractOperation>? For(Routes.Endpoint route) => route.Name switch
    {
        Routes.Names.CreateCase => [CreateCase],
        Routes.Names.ListCases => [ListCases],
        Routes.Names.GetCase => [GetCase],
        Routes.Names.WithdrawCase => [WithdrawCase],
        Routes.Names.ShowDecision => [ShowDecision("GET", Routes.Names.ShowDecision), ShowDecision("HEAD", Routes.Names.ShowDecision + "Head")],
        Routes.Names.RecordDecision => [RecordDecision],
        Routes.Names.Health => [Health],
        Routes.Names.OpenApi => [OpenApi],
        _ => null,
    };

    private static ContractOperation CreateCase => new(
        "POST",
        Routes.Names.CreateCase,
        "Cases",
        "Open a case",
        "Opens an opt-out case for a job seeker the case manager cannot find in MIS. Idempotent by caseId: the same request again answers 200 with the case; the same caseId with other details is 409.",
        [],
        Body(Json, Ref("CaseIntakeRequest"), required: true, "The case, as on the intake form. The example's SSN is fake.", IntakeExample()),
        [
            new(202, "Accepted: the workflow starts. Follow the case at Location.", [(Json, Ref("CaseAccepted"))], ["Location"]),
            new(200, "This caseId was already opened with the same details: that case (resending is safe).", [(Json, Ref("CaseAccepted"))], ["Location"]),
            Validation("The body is empty, not JSON, has an unknown or duplicate property, or its fields break the intake rules (errors by JSON path)."),
            Unauthorized,
            Forbidden("Signed in without an app role, a change asked for by another site, or an office this caller may not open cases for."),
            Problem(409, "A case with this caseId exists with different details: use a new caseId, or resend the identical request."),
            Problem(413, "The body is over 64 KiB."),
            Problem(415, "The body is not application/json."),
            Unavailable,
        ]);

    private static ContractOperation ListCases => new(
        "GET",
        Routes.Names.ListCases,
        "Cases",
        "List cases",
        "A full page of the cases the signed-in person may see (pageSize, unless it is the last page), and an opaque continuationToken when there are more. Needs a signed-in case manager, supervisor or administrator: integration keys cannot list.",
        [
            Query("stage", "Only cases at this stage (name, any letter case).", EnumSchema(Enum.GetNames<CaseStage>())),
            Query("status", "Only cases with this runtime status (name, any letter case).", EnumSchema(Enum.GetNames<OrchestrationRuntimeStatus>())),
            Query("outcome", "Only closed cases with this outcome (name, any letter case).", EnumSchema(Enum.GetNames<CaseOutcome>())),
            Query("createdBefore", "Only cases received strictly before this time (ISO 8601; no offset means UTC).", new JsonObject { ["type"] = "string", ["format"] = "date-time" }),
            Query("pageSize", "Cases per page.", new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 1, ["maximum"] = ListCasesHandler.MaxPageSize, ["default"] = 50 }),
            Query("continuationToken", "The continuationToken of the previous page, unchanged, with the same filters.", new JsonObject { ["type"] = "string", ["maxLength"] = 2048 }),
        ],
        null,
        [
            new(200, "A page of cases.", [(Json, Ref("CasePage"))], []),
            Validation("A filter is not valid (errors by parameter), or the continuation token is not one the service issued."),
            Unauthorized,
            Forbidden("An integration key (keys cannot list), or signed in without an app role."),
            Unavailable,
        ]);

    private static ContractOperation GetCase => new(
        "GET",
        Routes.Names.GetCase,
        "Cases",
        "Read a case",
        "Stage, runtime status, outcome, timeline, client name and the masked SSN. Case ids match ignoring letter case.",
        [CaseIdParameter],
        null,
        [
            new(200, "The case.", [(Json, Ref("CaseView"))], []),
            Unauthorized,
            Forbidden("Signed in without an app role."),
            Problem(404, "No case with this id that this caller may see."),
            Unavailable,
        ]);

    private static ContractOperation WithdrawCase => new(
        "POST",
        Routes.Names.WithdrawCase,
        "Cases",
        "Withdraw a case",
        "Asks a waiting case to close as Withdrawn; the case manager is emailed. The body is optional.",
        [CaseIdParameter],
        Body(Json, Ref("WithdrawRequest"), required: false, "An optional reason.", new JsonObject { ["reason"] = "The client found a job." }),
        [
            new(202, "Withdrawing: the case closes shortly. Follow it at Location.", [(Json, Ref("WithdrawAccepted"))], ["Location"]),
            Validation("The body is not JSON, or the reason is over 500 characters, SSN-shaped or has control characters."),
            Unauthorized,
            Forbidden("Signed in without an app role, a change asked for by another site, or a case this caller may see but not withdraw (integration keys and supervisors cannot withdraw)."),
            Problem(404, "No case with this id that this caller may see."),
            Problem(409, "The case is closed, or not at a step that can be withdrawn."),
            Problem(413, "The body is over 64 KiB."),
            Problem(415, "A body that is not application/json."),
            Unavailable,
        ]);

    private static ContractOperation ShowDecision(string method, string operationId)
    {
        var head = method == "HEAD";
        return new(
            method,
            operationId,
            "Decisions",
            head ? "Check a decision link" : "Show the decision page",
            "The page an ESD WIOA supervisor opens from the emailed link (the signed token is the credential). It changes nothing: mail scanners pre-fetch links. Pages are never cached (Cache-Control: no-store).",
            [TokenParameter],
            null,
            [
                Page(200, "The confirmation page with the decision form.", head),
                Page(401, "The agency asks supervisors to sign in first (Auth:DecisionsRequireSignIn): a page with the sign-in link.", head),
                Page(403, "The link is not valid, or the signed-in person is not this case's supervisor or escalation contact.", head),
                Page(404, "The case of this link no longer exists.", head),
                Page(409, "A decision is already recorded (who decided what, when), or the case is closed or not waiting for one.", head),
                Page(410, "The link has expired.", head),
                Page(503, "The case could not be read right now: try again in a few minutes.", head, alsoProblem: true),
            ]);
    }

    private static ContractOperation RecordDecision => new(
        "POST",
        Routes.Names.RecordDecision,
        "Decisions",
        "Record the supervisor's decision",
        "The decision page's form. The first decision of a case wins, on every link and instance; later ones answer 409 saying who decided what and when.",
        [TokenParameter],
        Body(
            Form,
            new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("decision"),
                ["properties"] = new JsonObject
                {
                    ["decision"] = EnumSchema([SupervisorDecision.OptedInValue, SupervisorDecision.RemainOptedOutValue]),
                    ["note"] = new JsonObject
                    {
                        ["type"] = "string",
                        ["maxLength"] = DecisionNote.MaxLength,
                        ["description"] = "Optional note for the case manager. No SSN or other 9-digit number.",
                    },
                },
            },
            required: true,
            "The form on the decision page (at most 16 KiB).",
            null),
        [
            Page(200, "Decision recorded.", head: false),
            Page(400, "No decision chosen, a note that does not fit the rules, or a form that cannot be read. Nothing was recorded.", head: false),
            Page(401, "The agency asks supervisors to sign in first (Auth:DecisionsRequireSignIn).", head: false),
            Page(403, "The link is not valid, or the signed-in person is not this case's supervisor or escalation contact.", head: false),
            Page(404, "The case of this link no longer exists.", head: false),
            Page(409, "A decision is already recorded (who decided what, when), or the case is closed or not waiting for one.", head: false),
            Page(410, "The link has expired.", head: false),
            Page(413, "The form is over 16 KiB.", head: false),
            Page(415, "Not a form post (application/x-www-form-urlencoded or multipart/form-data).", head: false),
            Page(503, "The decision could not be checked or saved right now: nothing was recorded, try again.", head: false, alsoProblem: true),
        ]);

    private static ContractOperation Health => new(
        "GET",
        Routes.Names.Health,
        "Operations",
        "Health",
        "The app is up and its durable engine answers. No secrets or case data.",
        [],
        null,
        [
            new(200, "Healthy.", [(Json, Ref("HealthStatus"))], []),
            Unavailable,
        ]);

    private static ContractOperation OpenApi => new(
        "GET",
        Routes.Names.OpenApi,
        "Operations",
        "This document",
        "The OpenAPI 3.0 description of this HTTP contract.",
        [],
        null,
        [new(200, "The OpenAPI document.", [(Json, new JsonObject { ["type"] = "object" })], [])]);

    private static JsonObject CaseIdParameter => new()
    {
        ["name"] = "caseId",
        ["in"] = "path",
        ["required"] = true,
        ["description"] = "The case id (matched ignoring letter case).",
        ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 64 },
    };

    private static JsonObject TokenParameter => new()
    {
        ["name"] = "token",
        ["in"] = "path",
        ["required"] = true,
        ["description"] = "The signed token of the emailed decision link.",
        ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 },
    };

    private static ContractResponse Unauthorized => Problem(401, "No credential, or one that is not valid: send an integration key in x-functions-key, or sign in.");

    private static ContractResponse Unavailable => new(
        503,
        "The durable engine or its storage cannot be reached. Retry after Retry-After seconds; resending the same request is safe.",
        [(ProblemJson, Ref("ProblemDetails"))],
        ["Retry-After"]);

    private static ContractResponse Forbidden(string description) => Problem(403, description);

    private static ContractResponse Problem(int status, string description) => new(status, description, [(ProblemJson, Ref("ProblemDetails"))], []);

    private static ContractResponse Validation(string description) => new(400, description, [(ProblemJson, Ref("HttpValidationProblemDetails"))], []);

    private static ContractResponse Page(int status, string description, bool head, bool alsoProblem = false) =>
        head
            ? new(status, description, [], [])
            : new(status, description, alsoProblem ? [(Html, HtmlSchema), (ProblemJson, Ref("ProblemDetails"))] : [(Html, HtmlSchema)], []);

    private static JsonObject HtmlSchema => new() { ["type"] = "string", ["description"] = "An HTML page for a person." };

    private static JsonObject Ref(string component) => new() { ["$ref"] = $"#/components/schemas/{component}" };

    private static JsonObject EnumSchema(IEnumerable<string> names) => new() { ["type"] = "string", ["enum"] = new JsonArray([.. names.Select(n => JsonValue.Create(n))]) };

    private static JsonObject Query(string name, string description, JsonObject schema) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["required"] = false,
        ["description"] = description,
        ["schema"] = schema,
    };

    private static JsonObject Body(string mediaType, JsonObject schema, bool required, string description, JsonObject? example)
    {
        var media = new JsonObject { ["schema"] = schema };
        if (example is not null)
        {
            media["example"] = example;
        }

        return new JsonObject { ["description"] = description, ["required"] = required, ["content"] = new JsonObject { [mediaType] = media } };
    }

    /// <summary>The request example: a made-up client whose SSN is the well-known fake 123-45-6789.</summary>
    private static JsonObject IntakeExample() => new()
    {
        ["caseId"] = "pa-2026-11-0042",
        ["caseManager"] = new JsonObject { ["name"] = "Casey Manager", ["email"] = "casey.manager@example.org", ["office"] = "port-angeles" },
        ["client"] = new JsonObject
        {
            ["firstName"] = "Elena",
            ["lastName"] = "Optout",
            ["phone"] = "360-555-0105",
            ["email"] = "elena@example.net",
            ["ssn"] = "123-45-6789",
            ["hasWorkSourceAccount"] = true,
        },
        ["reason"] = "Client wants to enroll in WIOA Adult training.",
    };
}
