using System.Text;
using Microsoft.AspNetCore.Http;
using OptOut.Api.Access;

namespace OptOut.Api.OpenApi;

/// <summary>GET /api/openapi.json: the contract's OpenAPI document (<see cref="ContractDocument"/>), anonymous, cacheable for five minutes.</summary>
public static class OpenApiEndpoint
{
    public const string CacheControl = "public, max-age=300";

    public static IResult Get(AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        return new CachedResult(Results.Text(ContractDocument.Json(auth.TenantId), "application/json", Encoding.UTF8, StatusCodes.Status200OK));
    }

    private sealed class CachedResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.CacheControl = CacheControl;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
