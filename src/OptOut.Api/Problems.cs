using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OptOut.Api;

/// <summary>Every error the API returns is application/problem+json with a title people can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult Status(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    public static ProblemHttpResult BadRequest(string detail) => Status(StatusCodes.Status400BadRequest, "The request is not valid.", detail);

    public static ProblemHttpResult Unauthorized() =>
        Status(StatusCodes.Status401Unauthorized, "Sign-in or an integration key is required.", "Sign in, or send the integration key in the x-functions-key header.");

    public static ProblemHttpResult Forbidden(string detail) => Status(StatusCodes.Status403Forbidden, "Not allowed.", detail);

    public static ProblemHttpResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, "Not found.", detail);

    public static ProblemHttpResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, "Conflict.", detail);

    public static ProblemHttpResult TooLarge(long limit) =>
        Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", $"The body must be at most {limit / 1024} KiB.");

    public static ProblemHttpResult UnsupportedMediaType(string expected) =>
        Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type.", $"Send the body as {expected}.");

    public static ValidationProblem Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null, string title = "The request is not valid.") =>
        TypedResults.ValidationProblem(errors, detail: detail ?? "One or more fields are not valid.", title: title);
}
