using System.Text.RegularExpressions;

namespace OptOut.Workflow.Protection;

/// <summary>SSN format rules (SSA): no 000, 666 or 9xx area, no 00 group, no 0000 serial.</summary>
public static partial class Ssn
{
    /// <summary>
    /// The 9 digits, or null unless the value (trimmed) is written 123456789, 123-45-6789 or 123 45 6789 — ASCII digits,
    /// the same separator (or none) in both places.
    /// </summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 20)
        {
            return null;
        }

        var v = value.AsSpan().Trim();
        if (v.Length == 9)
        {
            return AllDigits(v) ? new string(v) : null;
        }

        if (v.Length != 11 || v[3] is not ('-' or ' ') || v[6] != v[3] || !AllDigits(v[..3]) || !AllDigits(v[4..6]) || !AllDigits(v[7..]))
        {
            return null;
        }

        return string.Concat(v[..3], v[4..6], v[7..]);
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Why the (normalized) SSN cannot be issued, or null when it can.</summary>
    public static string? Problem(string digits)
    {
        var area = digits[..3];
        if (area is "000" or "666" || area[0] == '9')
        {
            return "The SSN area number (first three digits) cannot be 000, 666 or 900-999.";
        }

        if (digits.Substring(3, 2) == "00")
        {
            return "The SSN group number (digits 4-5) cannot be 00.";
        }

        if (digits[5..] == "0000")
        {
            return "The SSN serial number (last four digits) cannot be 0000.";
        }

        return null;
    }

    public static string Mask(string digits) => $"***-**-{digits[^4..]}";

    /// <summary>True when free text holds something shaped like an SSN (see <see cref="MaskAll"/>).</summary>
    public static bool ContainsSsnShaped(string text) => SsnShaped().IsMatch(text);

    /// <summary>
    /// Masks everything in <paramref name="text"/> shaped like an SSN — nine digits, optionally grouped 3-2-4 by dashes or
    /// spaces (or the JSON escape \u002D), not part of a longer number — to ***-**-1234.
    /// </summary>
    public static string MaskAll(string text) => SsnShaped().Replace(text, m => $"***-**-{m.Value[^4..]}");

    [GeneratedRegex(@"(?<![0-9])[0-9]{3}(?:[- ]|\\u002[dD])?[0-9]{2}(?:[- ]|\\u002[dD])?[0-9]{4}(?![0-9])")]
    private static partial Regex SsnShaped();
}
