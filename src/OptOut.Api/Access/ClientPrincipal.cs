using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OptOut.Api.Access;

/// <summary>One claim of <see cref="ClientPrincipal"/>: its type and value (<c>{"typ": "...", "val": "..."}</c>).</summary>
public sealed record PrincipalClaim([property: JsonPropertyName("typ")] string? Type, [property: JsonPropertyName("val")] string? Value);

/// <summary>
/// The signed-in user as App Service Authentication ("Easy Auth") hands it to the app: the <c>X-MS-CLIENT-PRINCIPAL</c>
/// header, base64 of <c>{"auth_typ": "aad", "claims": [{"typ": "...", "val": "..."}], "name_typ": "...", "role_typ": "..."}</c>.
/// Parsing says nothing about trust: only a platform in front of the app (<see cref="AuthOptions.Mode"/>) makes the header trustworthy.
/// </summary>
public sealed record ClientPrincipal(
    [property: JsonPropertyName("auth_typ")] string? AuthType,
    [property: JsonPropertyName("claims")] IReadOnlyList<PrincipalClaim>? Claims,
    [property: JsonPropertyName("name_typ")] string? NameType,
    [property: JsonPropertyName("role_typ")] string? RoleType)
{
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The header's largest accepted size (a principal with a few hundred claims is far smaller).</summary>
    public const int MaxHeaderLength = 32 * 1024;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Every value of claims of <paramref name="type"/> (compared ignoring letter case, as Easy Auth's claim types vary in case).</summary>
    public IEnumerable<string> Values(string type) =>
        (Claims ?? []).Where(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(c.Value)).Select(c => c.Value!.Trim());

    /// <summary>The first value of the first of <paramref name="types"/> present, or null.</summary>
    public string? First(params string[] types) => types.Select(t => Values(t).FirstOrDefault()).FirstOrDefault(v => v is not null);

    /// <summary>The principal in <paramref name="header"/>, or null with the reason when it is not one (not base64, not JSON, no claims).</summary>
    public static ClientPrincipal? Parse(string? header, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(header))
        {
            problem = "The sign-in header is missing.";
            return null;
        }

        if (header.Length > MaxHeaderLength)
        {
            problem = "The sign-in header is too large.";
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(header.Trim());
        }
        catch (FormatException)
        {
            problem = "The sign-in header is not base64.";
            return null;
        }

        ClientPrincipal? principal;
        try
        {
            principal = JsonSerializer.Deserialize<ClientPrincipal>(Encoding.UTF8.GetString(bytes), Json);
        }
        catch (JsonException)
        {
            problem = "The sign-in header is not a principal (JSON).";
            return null;
        }

        if (principal?.Claims is not { Count: > 0 })
        {
            problem = "The sign-in header has no claims.";
            return null;
        }

        return principal;
    }

    /// <summary>The header value for this principal (what the local host's dev sign-in sends, as the platform would).</summary>
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this)));
}
