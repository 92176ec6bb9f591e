using System.Text.Json;
using System.Text.Json.Serialization;

namespace OptOut.Workflow.Intake;

/// <summary>
/// How intake JSON is read, the same for POST /api/cases and the optout-intake queue: camelCase (case-insensitive)
/// names, no comments or trailing commas, at most 16 levels deep, and no unknown or duplicate properties (a
/// duplicated "ssn" must not let one value be validated and another used).
/// </summary>
public static class IntakeJson
{
    public const int MaxDepth = 16;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };
}
