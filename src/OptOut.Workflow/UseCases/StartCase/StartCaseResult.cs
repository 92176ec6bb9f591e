namespace OptOut.Workflow.UseCases.StartCase;

public enum StartDisposition
{
    /// <summary>A new case was started.</summary>
    Created,

    /// <summary>The same request was already received: the existing case.</summary>
    Existing,

    /// <summary>The case id is taken by a case with other details.</summary>
    Conflict,

    /// <summary>The request is not valid: see the errors.</summary>
    Invalid,

    /// <summary>The caller may not open cases for the request's office.</summary>
    Forbidden,
}

/// <summary>How a start ended: the case id and view when there is a case, else the errors or the message.</summary>
public sealed record StartCaseResult(StartDisposition Disposition, string? CaseId, CaseView? Case, IReadOnlyDictionary<string, string[]>? Errors = null, string? Message = null);
