using System.Text.Json.Serialization;

namespace OptOut.Workflow.Decisions;

[JsonConverter(typeof(JsonStringEnumConverter<DecisionChoice>))]
public enum DecisionChoice
{
    OptedIn,
    RemainOptedOut,
}

/// <summary>Who a decision link was emailed to. Tokens from before roles existed carry none and mean the supervisor.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionRole>))]
public enum DecisionRole
{
    Supervisor,
    EscalationContact,
}

/// <summary>
/// The decision on the client's opt-in, raised by POST /api/decisions/{token}: by the ESD WIOA supervisor, or by the
/// escalation contact on the supervisor's behalf. <see cref="Role"/> is optional in the event's JSON: events recorded
/// before it existed read as the supervisor's.
/// </summary>
public sealed record SupervisorDecision(DecisionChoice Choice, string? Note, string DecidedBy, string TokenId, DateTime DecidedAt, DecisionRole? Role = null)
{
    /// <summary>The form values used on the decision page.</summary>
    public const string OptedInValue = "opted-in";
    public const string RemainOptedOutValue = "remain-opted-out";

    /// <summary>The decider as the case timeline names them: the name, and the role unless it is the supervisor.</summary>
    [JsonIgnore]
    public string Decider => Describe(DecidedBy, Role ?? DecisionRole.Supervisor);

    public static string Describe(string name, DecisionRole role) => role switch
    {
        DecisionRole.Supervisor => name,
        DecisionRole.EscalationContact => $"{name} (escalation contact, on the supervisor's behalf)",
    };

    public static string Describe(DecisionChoice choice) => choice switch
    {
        DecisionChoice.OptedIn => "the client opted in",
        DecisionChoice.RemainOptedOut => "the client remains opted out",
    };

    public static DecisionChoice? Parse(string? value) => value switch
    {
        OptedInValue => DecisionChoice.OptedIn,
        RemainOptedOutValue => DecisionChoice.RemainOptedOut,
        _ => null,
    };
}
