using OptOut.Workflow.Intake;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Decisions;

/// <summary>
/// The note a decider may leave for the case manager (emailed to them and shown on the case timeline). Refused, never
/// truncated or cleaned: longer than <see cref="MaxLength"/> characters, control characters other than line breaks
/// and tabs, bidi overrides, or anything shaped like an SSN.
/// </summary>
public static class DecisionNote
{
    public const int MaxLength = 1000;

    /// <summary><see cref="MaxLength"/> as people read it.</summary>
    public const string MaxLengthText = "1,000";

    /// <summary>Why the note cannot be accepted (a sentence for the decision page, never repeating the note), or null.</summary>
    public static string? Problem(string? note)
    {
        if (string.IsNullOrEmpty(note))
        {
            return null;
        }

        // Browsers submit a textarea's line breaks as CR LF but count them as one character against maxlength.
        var length = note.Replace("\r\n", "\n", StringComparison.Ordinal).Length;
        if (length > MaxLength)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The note is {length:N0} characters long; the limit is {MaxLengthText}. Shorten it and submit again.");
        }

        if (!IntakeValidator.IsWellFormedText(note, allowLineBreaks: true))
        {
            return "The note contains characters that cannot be accepted (control characters or text-direction overrides). Retype it and submit again.";
        }

        if (Ssn.ContainsSsnShaped(note))
        {
            return "The note contains an SSN or another 9-digit number. Remove it (the case manager must never receive the client's SSN) and submit again.";
        }

        return null;
    }

    /// <summary>The note as stored and emailed: trimmed, empty as null.</summary>
    public static string? Normalize(string? note) => string.IsNullOrWhiteSpace(note) ? null : note.Trim();
}
