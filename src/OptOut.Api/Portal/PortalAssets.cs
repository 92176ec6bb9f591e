using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OptOut.Api.Portal;

/// <summary>
/// The portal's stylesheet and script: embedded in this assembly (no CDN, no framework), served at
/// <c>/portal/assets/{name}</c> by both hosts, so the pages' Content-Security-Policy can allow only 'self'.
/// </summary>
public static class PortalAssets
{
    public const string Stylesheet = "portal.css";
    public const string Script = "portal.js";

    public static string StylesheetPath => $"/{Routes.PortalPrefix}/assets/{Stylesheet}";

    public static string ScriptPath => $"/{Routes.PortalPrefix}/assets/{Script}";

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Bytes)> Files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal)
    {
        [Stylesheet] = ("text/css; charset=utf-8", Load(Stylesheet)),
        [Script] = ("text/javascript; charset=utf-8", Load(Script)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The asset's content type and bytes, or null when there is no such asset.</summary>
    public static (string ContentType, byte[] Bytes)? Find(string? name) =>
        name is not null && Files.TryGetValue(name, out var file) ? file : null;

    /// <summary>GET /portal/assets/{name}: anonymous (the sign-in page may use them), revalidated on every use.</summary>
    public static IResult Serve(string name, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (Find(name) is not { } file)
        {
            return Results.Text("Not found.", "text/plain; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);
        }

        context.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(file.Bytes, file.ContentType);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(PortalAssets).Assembly.GetManifestResourceStream($"OptOut.Api.Portal.Assets.{name}")
            ?? throw new InvalidOperationException($"The portal asset {name} is not embedded in {typeof(PortalAssets).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
