using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OptOut.Api;

/// <summary>
/// The local host's stand-in for Functions' AuthorizationLevel.Function: the same x-functions-key header (or ?code=),
/// compared in constant time with the configured key. In Azure the Functions host does this check itself.
/// </summary>
public static class FunctionKey
{
    public const string Header = "x-functions-key";

    /// <summary>The key the request carries: the x-functions-key header, else ?code= (empty when neither).</summary>
    public static string From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var given = request.Headers[Header].ToString();
        return string.IsNullOrEmpty(given) ? request.Query["code"].ToString() : given;
    }

    public static bool IsAuthorized(HttpRequest request, string expected)
    {
        var given = From(request);
        return !string.IsNullOrEmpty(given)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }
}
