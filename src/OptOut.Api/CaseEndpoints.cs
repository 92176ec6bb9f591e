using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Intake;

namespace OptOut.Api;

/// <summary>The 202/200 body of POST /api/cases.</summary>
public sealed record CaseAccepted(string CaseId, string Status, string Stage, string Location);

public sealed record WithdrawRequest(string? Reason);

/// <summary>
/// The case routes of the HTTP contract. Both hosts call these: the Functions app from its [Function] methods, the
/// local host from minimal-API endpoints. Authentication (function key) is the host's job.
/// </summary>
public static class CaseEndpoints
{
    public static string LocationOf(string caseId) => $"/api/cases/{Uri.EscapeDataString(caseId)}";

    /// <summary>POST /api/cases</summary>
    public static async Task<IResult> CreateAsync(HttpRequest request, CaseService cases, string source, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<CaseIntakeRequest>(request, cancellationToken);
        if (body.Error is not null)
        {
            return body.Error;
        }

        var result = await cases.StartAsync(body.Value!, source, cancellationToken);
        switch (result.Disposition)
        {
            case StartDisposition.Created:
                return Results.Accepted(LocationOf(result.CaseId!), Accepted(result));
            case StartDisposition.Existing:
                request.HttpContext.Response.Headers.Location = LocationOf(result.CaseId!);
                return Results.Ok(Accepted(result));
            case StartDisposition.Conflict:
                return Problems.Conflict(result.Message ?? "A case with this id already exists with different details.");
            default:
                return Problems.Validation(result.Errors ?? new Dictionary<string, string[]>(), result.Message);
        }
    }

    /// <summary>GET /api/cases/{caseId}</summary>
    public static async Task<IResult> GetAsync(string caseId, CaseService cases, CancellationToken cancellationToken)
    {
        var view = await cases.GetAsync(caseId, cancellationToken);
        return view is null ? Problems.NotFound($"No case with id '{Safe(caseId)}'.") : Results.Ok(view);
    }

    /// <summary>GET /api/cases?stage=&amp;status=&amp;createdBefore=&amp;continuationToken=&amp;pageSize=</summary>
    public static async Task<IResult> ListAsync(HttpRequest request, CaseService cases, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        CaseStage? stage = null;
        OrchestrationRuntimeStatus? status = null;
        DateTimeOffset? createdBefore = null;
        var pageSize = 50;

        if (q.TryGetValue("stage", out var s) && !string.IsNullOrWhiteSpace(s))
        {
            if (ParseName<CaseStage>(s.ToString()) is { } parsed)
            {
                stage = parsed;
            }
            else
            {
                errors["stage"] = [$"Unknown stage. Use one of: {string.Join(", ", Enum.GetNames<CaseStage>())}."];
            }
        }

        if (q.TryGetValue("status", out var st) && !string.IsNullOrWhiteSpace(st))
        {
            if (ParseName<OrchestrationRuntimeStatus>(st.ToString()) is { } parsed)
            {
                status = parsed;
            }
            else
            {
                errors["status"] = ["Unknown status. Use one of: Running, Completed, Failed, Terminated, Pending, Suspended."];
            }
        }

        if (q.TryGetValue("createdBefore", out var cb) && !string.IsNullOrWhiteSpace(cb))
        {
            if (DateTimeOffset.TryParse(cb.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                createdBefore = parsed;
            }
            else
            {
                errors["createdBefore"] = ["Use an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z."];
            }
        }

        if (q.TryGetValue("pageSize", out var ps) && !string.IsNullOrWhiteSpace(ps))
        {
            if (!int.TryParse(ps.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > 500)
            {
                errors["pageSize"] = ["pageSize must be a whole number from 1 to 500."];
            }
        }

        var token = q.TryGetValue("continuationToken", out var ct) && !string.IsNullOrWhiteSpace(ct) ? ct.ToString() : null;
        if (token is { Length: > 2048 })
        {
            errors["continuationToken"] = ["The continuation token is not valid."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors, "The list filters are not valid.");
        }

        try
        {
            var page = await cases.ListAsync(new CaseListQuery(stage, status, createdBefore, token, pageSize), cancellationToken);
            return Results.Ok(page);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not valid."] });
        }
    }

    /// <summary>POST /api/cases/{caseId}/withdraw (optional JSON body {"reason": "..."})</summary>
    public static async Task<IResult> WithdrawAsync(string caseId, HttpRequest request, CaseService cases, CancellationToken cancellationToken)
    {
        string? reason = null;
        if (request.ContentLength is > 0 || request.Headers.ContentType.Count > 0 && JsonBody.IsJson(request))
        {
            var body = await JsonBody.ReadAsync<WithdrawRequest>(request, cancellationToken);
            if (body.Error is not null)
            {
                return body.Error;
            }

            reason = body.Value!.Reason;
        }

        var result = await cases.WithdrawAsync(caseId, reason, cancellationToken);
        return result.Disposition switch
        {
            CommandDisposition.Accepted => Results.Accepted(LocationOf(caseId), new { caseId, status = "Withdrawing", message = result.Message }),
            CommandDisposition.NotFound => Problems.NotFound(result.Message),
            _ => Problems.Conflict(result.Message),
        };
    }

    /// <summary>An enum value by its name only (any letter case): not by number, not a comma list.</summary>
    private static T? ParseName<T>(string value)
        where T : struct, Enum
    {
        foreach (var name in Enum.GetNames<T>())
        {
            if (string.Equals(name, value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse<T>(name);
            }
        }

        return null;
    }

    private static CaseAccepted Accepted(StartResult result) =>
        new(result.CaseId!, result.Case?.Status ?? "Pending", result.Case?.Stage ?? nameof(CaseStage.Received), LocationOf(result.CaseId!));

    private static string Safe(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
