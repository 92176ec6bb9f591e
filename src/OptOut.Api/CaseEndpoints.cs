using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using OptOut.Api.Access;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Intake;
using OptOut.Workflow.UseCases;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.Api;

/// <summary>The 202/200 body of POST /api/cases.</summary>
public sealed record CaseAccepted(string CaseId, string Status, string Stage, string Location);

/// <summary>The optional JSON body of POST /api/cases/{caseId}/withdraw.</summary>
public sealed record WithdrawRequest(string? Reason);

/// <summary>The 202 body of POST /api/cases/{caseId}/withdraw.</summary>
public sealed record WithdrawAccepted(string CaseId, string Status, string Message);

/// <summary>
/// The case routes of the HTTP contract (<see cref="Routes"/>): HTTP in, use-case handler, typed result out. Both hosts
/// call these: the Functions app from its [Function] methods, the local host from its endpoints. Each resolves its
/// caller first (<see cref="CallerResolver"/>: a signed-in person or an integration key; 401/403 otherwise) and the use
/// case scopes what that caller may do (<see cref="OptOut.Workflow.Access.Caller"/>).
/// </summary>
public static class CaseEndpoints
{
    /// <summary>POST /api/cases</summary>
    public static async Task<Results<Accepted<CaseAccepted>, Ok<CaseAccepted>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, CallerResolver access, StartCaseHandler handler, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(handler);
        var (caller, denied) = access.Resolve(request);
        if (caller is null)
        {
            return denied!;
        }

        var body = await JsonBody.ReadAsync<CaseIntakeRequest>(request, cancellationToken);
        if (body.Error is not null)
        {
            return body.Error;
        }

        var result = await handler.HandleAsync(caller, body.Value, source, cancellationToken);
        switch (result.Disposition)
        {
            case StartDisposition.Created:
                return TypedResults.Accepted(Routes.CaseLocation(result.CaseId!), Accepted(result));
            case StartDisposition.Existing:
                request.HttpContext.Response.Headers.Location = Routes.CaseLocation(result.CaseId!);
                return TypedResults.Ok(Accepted(result));
            case StartDisposition.Conflict:
                return Problems.Conflict(result.Message ?? "A case with this id already exists with different details.");
            case StartDisposition.Forbidden:
                return Problems.Forbidden(result.Message ?? "You may not open cases for this office.");
            case StartDisposition.Invalid:
            default:
                return Problems.Validation(result.Errors ?? new Dictionary<string, string[]>(), result.Message, "The case request is not valid.");
        }
    }

    /// <summary>GET /api/cases/{caseId}</summary>
    public static async Task<Results<Ok<CaseView>, ProblemHttpResult>> GetAsync(string caseId, HttpRequest request, CallerResolver access, GetCaseHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(handler);
        var (caller, denied) = access.Resolve(request);
        if (caller is null)
        {
            return denied!;
        }

        var view = await handler.HandleAsync(caller, caseId, cancellationToken);
        return view is null ? Problems.NotFound($"No case with id '{Safe(caseId)}'.") : TypedResults.Ok(view);
    }

    /// <summary>GET /api/cases?stage=&amp;outcome=&amp;status=&amp;createdBefore=&amp;continuationToken=&amp;pageSize=</summary>
    public static async Task<Results<Ok<CasePage>, ValidationProblem, ProblemHttpResult>> ListAsync(HttpRequest request, CallerResolver access, ListCasesHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(handler);
        var (caller, denied) = access.Resolve(request);
        if (caller is null)
        {
            return denied!;
        }

        if (!caller.CanList)
        {
            return Problems.Forbidden("An integration key may open cases and read the cases it opened by id; listing cases needs a signed-in case manager, supervisor or administrator.");
        }

        var (query, errors) = ParseListQuery(request.Query);
        if (query is null)
        {
            return Problems.Validation(errors, "The list filters are not valid.");
        }

        try
        {
            return TypedResults.Ok(await handler.HandleAsync(caller, query, cancellationToken));
        }
        catch (InvalidContinuationTokenException)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not valid."] }, "The list filters are not valid.");
        }
    }

    /// <summary>POST /api/cases/{caseId}/withdraw (optional JSON body {"reason": "..."})</summary>
    public static async Task<Results<Accepted<WithdrawAccepted>, ValidationProblem, ProblemHttpResult>> WithdrawAsync(
        string caseId, HttpRequest request, CallerResolver access, WithdrawCaseHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(handler);
        var (caller, denied) = access.Resolve(request);
        if (caller is null)
        {
            return denied!;
        }

        string? reason = null;
        if (request.ContentLength is > 0 || (request.Headers.ContentType.Count > 0 && JsonBody.IsJson(request)))
        {
            var body = await JsonBody.ReadAsync<WithdrawRequest>(request, cancellationToken);
            if (body.Error is not null)
            {
                return body.Error;
            }

            reason = body.Value!.Reason;
            if (reason is not null && IntakeValidator.FreeTextProblem("reason", reason, WithdrawCaseHandler.MaxReason) is { } problem)
            {
                return Problems.Validation(new Dictionary<string, string[]> { ["reason"] = [problem] }, "The withdrawal reason is not valid.");
            }
        }

        var result = await handler.HandleAsync(caller, caseId, reason, cancellationToken);
        if (result.Disposition == CommandDisposition.Unavailable)
        {
            request.HttpContext.Response.Headers.RetryAfter = DependencyFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        return result.Disposition switch
        {
            CommandDisposition.Accepted => TypedResults.Accepted(Routes.CaseLocation(caseId), new WithdrawAccepted(caseId, "Withdrawing", result.Message)),
            CommandDisposition.NotFound => Problems.NotFound(result.Message),
            CommandDisposition.Forbidden => Problems.Forbidden(result.Message),
            CommandDisposition.Conflict or CommandDisposition.Gone => Problems.Conflict(result.Message),
            CommandDisposition.Invalid => Problems.BadRequest(result.Message),
            CommandDisposition.Unavailable => Problems.Status(StatusCodes.Status503ServiceUnavailable, "Service unavailable.", result.Message),
        };
    }

    /// <summary>The list filters from the query string, or the errors (keyed by parameter).</summary>
    internal static (CaseListQuery? Query, Dictionary<string, string[]> Errors) ParseListQuery(IQueryCollection q)
    {
        var errors = new Dictionary<string, string[]>();
        var stage = Parse<CaseStage>(q, "stage", errors, $"Unknown stage. Use one of: {string.Join(", ", Enum.GetNames<CaseStage>())}.");
        var outcome = Parse<CaseOutcome>(q, "outcome", errors, $"Unknown outcome. Use one of: {string.Join(", ", Enum.GetNames<CaseOutcome>())}.");
        var status = Parse<OrchestrationRuntimeStatus>(q, "status", errors, "Unknown status. Use one of: Running, Completed, Failed, Terminated, Pending, Suspended.");
        DateTimeOffset? createdBefore = null;
        var pageSize = 50;

        if (Value(q, "createdBefore") is { } cb)
        {
            if (DateTimeOffset.TryParse(cb, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                createdBefore = parsed;
            }
            else
            {
                errors["createdBefore"] = ["Use an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z."];
            }
        }

        if (Value(q, "pageSize") is { } ps
            && (!int.TryParse(ps, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > ListCasesHandler.MaxPageSize))
        {
            errors["pageSize"] = [$"pageSize must be a whole number from 1 to {ListCasesHandler.MaxPageSize}."];
        }

        var token = Value(q, "continuationToken");
        if (token is { Length: > 2048 })
        {
            errors["continuationToken"] = ["The continuation token is not valid."];
        }

        return errors.Count > 0 ? (null, errors) : (new CaseListQuery(stage, status, createdBefore, token, pageSize, outcome), errors);
    }

    private static string? Value(IQueryCollection q, string name) =>
        q.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;

    /// <summary>An enum value by its name only (any letter case): not by number, not a comma list.</summary>
    private static T? Parse<T>(IQueryCollection q, string name, Dictionary<string, string[]> errors, string error)
        where T : struct, Enum
    {
        if (Value(q, name) is not { } value)
        {
            return null;
        }

        foreach (var candidate in Enum.GetNames<T>())
        {
            if (string.Equals(candidate, value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse<T>(candidate);
            }
        }

        errors[name] = [error];
        return null;
    }

    private static CaseAccepted Accepted(StartCaseResult result) =>
        new(result.CaseId!, result.Case?.Status ?? "Pending", result.Case?.Stage ?? nameof(CaseStage.Received), Routes.CaseLocation(result.CaseId!));

    private static string Safe(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
