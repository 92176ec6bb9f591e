namespace OptOut.Workflow.Protection;

/// <summary>SSN format rules (SSA): no 000, 666 or 9xx area, no 00 group, no 0000 serial.</summary>
public static class Ssn
{
    /// <summary>Digits only, or null when the value is not 9 digits (dashes and spaces allowed as separators).</summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 20)
        {
            return null;
        }

        Span<char> digits = stackalloc char[9];
        var n = 0;
        foreach (var c in value)
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            if (c is < '0' or > '9' || n == 9)
            {
                return null;
            }

            digits[n++] = c;
        }

        return n == 9 ? new string(digits) : null;
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
}
