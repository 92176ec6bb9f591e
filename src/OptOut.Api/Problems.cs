using Microsoft.AspNetCore.Http;

namespace OptOut.Api;

/// <summary>Every error the API returns is application/problem+json with a title people can act on.</summary>
public static class Problems
{
    public static IResult Status(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);

    public static IResult BadRequest(string detail) => Status(StatusCodes.Status400BadRequest, "The request is not valid.", detail);

    public static IResult Unauthorized() =>
        Status(StatusCodes.Status401Unauthorized, "A function key is required.", "Send the function key in the x-functions-key header.");

    public static IResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, "Not found.", detail);

    public static IResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, "Conflict.", detail);

    public static IResult TooLarge(long limit) =>
        Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", $"The body must be at most {limit / 1024} KiB.");

    public static IResult UnsupportedMediaType(string expected) =>
        Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type.", $"Send the body as {expected}.");

    public static IResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        Results.ValidationProblem(errors, detail: detail ?? "One or more fields are not valid.", title: "The case request is not valid.");
}
