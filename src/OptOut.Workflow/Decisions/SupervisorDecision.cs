using System.Text.Json.Serialization;

namespace OptOut.Workflow.Decisions;

[JsonConverter(typeof(JsonStringEnumConverter<DecisionChoice>))]
public enum DecisionChoice
{
    OptedIn,
    RemainOptedOut,
}

/// <summary>The ESD WIOA supervisor's decision, raised by POST /api/decisions/{token}.</summary>
public sealed record SupervisorDecision(DecisionChoice Choice, string? Note, string DecidedBy, string TokenId, DateTime DecidedAt)
{
    /// <summary>The form values used on the decision page.</summary>
    public const string OptedInValue = "opted-in";
    public const string RemainOptedOutValue = "remain-opted-out";

    public static DecisionChoice? Parse(string? value) => value switch
    {
        OptedInValue => DecisionChoice.OptedIn,
        RemainOptedOutValue => DecisionChoice.RemainOptedOut,
        _ => null,
    };
}
