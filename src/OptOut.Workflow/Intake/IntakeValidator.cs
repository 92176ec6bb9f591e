using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Intake;

/// <summary>
/// Field-level validation of an intake request (HTTP and queue alike); errors are keyed by JSON path
/// (e.g. <c>client.ssn</c>) for problem+json. Messages never echo the submitted value. Rules: docs/intake.md.
/// </summary>
public static partial class IntakeValidator
{
    public const int MaxReason = 1000;
    public const int MaxName = 100;
    public const int MaxEmail = 254;
    public const int MaxOffice = 64;

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    public static partial Regex CaseIdPattern();

    /// <summary>The WHATWG (HTML input type=email) address syntax, with a dotted domain required.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z")]
    private static partial Regex EmailPattern();

    /// <summary>Validates the request once and, when it is valid, returns it trimmed and normalised.</summary>
    public static IntakeParse Parse(CaseIntakeRequest? request, OfficeDirectory offices)
    {
        ArgumentNullException.ThrowIfNull(offices);
        var errors = Validate(request, code => offices.Find(code) is not null);
        if (errors.Count > 0)
        {
            return new IntakeParse(null, errors);
        }

        var cm = request!.CaseManager!;
        var client = request.Client!;
        return new IntakeParse(
            new ValidIntake(
                NormalizeCaseId(request.CaseId),
                cm.Name!.Trim(),
                cm.Email!.Trim(),
                offices.Find(cm.Office!)!,
                client.FirstName!.Trim(),
                client.LastName!.Trim(),
                NormalizePhone(client.Phone)!,
                string.IsNullOrWhiteSpace(client.Email) ? null : client.Email.Trim(),
                client.HasWorkSourceAccount,
                new ClearSsn(Ssn.Normalize(client.Ssn)!),
                request.Reason!.Trim()),
            errors);
    }

    public static Dictionary<string, string[]> Validate(CaseIntakeRequest? request, Func<string, bool> officeExists)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (request is null)
        {
            Add("$", "A JSON object is required.");
            return Flatten(errors);
        }

        if (request.CaseId is not null && NormalizeCaseId(request.CaseId) is null)
        {
            Add("caseId", "caseId must be 1-64 characters: letters, digits, '-' or '_'.");
        }
        else if (request.CaseId is not null && Ssn.ContainsSsnShaped(request.CaseId))
        {
            // The case id is the instance id, a table key, part of URLs and email subjects: never an SSN.
            Add("caseId", "caseId must not contain an SSN or other 9-digit number.");
        }

        if (request.CaseManager is not { } cm)
        {
            Add("caseManager", "caseManager is required.");
        }
        else
        {
            PersonName(cm.Name, "caseManager.name", Add);
            Email(cm.Email, "caseManager.email", required: true, Add);
            if (string.IsNullOrWhiteSpace(cm.Office))
            {
                Add("caseManager.office", "caseManager.office is required.");
            }
            else if (cm.Office.Length > MaxOffice || !officeExists(cm.Office.Trim()))
            {
                Add("caseManager.office", "caseManager.office is not a known office code.");
            }
        }

        if (request.Client is not { } client)
        {
            Add("client", "client is required.");
        }
        else
        {
            PersonName(client.FirstName, "client.firstName", Add);
            PersonName(client.LastName, "client.lastName", Add);
            if (string.IsNullOrWhiteSpace(client.Phone))
            {
                Add("client.phone", "client.phone is required.");
            }
            else if (NormalizePhone(client.Phone) is null)
            {
                Add("client.phone", "client.phone must be a 10-digit US phone number, e.g. 360-555-0100.");
            }

            Email(client.Email, "client.email", required: false, Add);
            if (string.IsNullOrWhiteSpace(client.Ssn))
            {
                Add("client.ssn", "client.ssn is required.");
            }
            else if (Ssn.Normalize(client.Ssn) is not { } ssn)
            {
                Add("client.ssn", "client.ssn must be 9 digits, e.g. 123-45-6789 (dashes or spaces allowed).");
            }
            else if (Ssn.Problem(ssn) is { } problem)
            {
                Add("client.ssn", problem);
            }
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            Add("reason", "reason is required: a brief reason the client would like to opt in.");
        }
        else if (FreeTextProblem("reason", request.Reason, MaxReason) is { } problem)
        {
            // The reason is emailed to the supervisor: an SSN typed into it would leak. It belongs in client.ssn only.
            Add("reason", problem);
        }

        return Flatten(errors);
    }

    /// <summary>
    /// What is wrong with text a person typed that other people will read (the intake reason, the withdrawal reason,
    /// the supervisor's note), or null: too long, control or bidi-override characters (line breaks and tabs are fine),
    /// or anything shaped like an SSN — such text is stored in the case and emailed, where an SSN must never be.
    /// </summary>
    public static string? FreeTextProblem(string field, string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > maxLength)
        {
            return $"{field} must be at most {maxLength} characters.";
        }

        if (!IsWellFormedText(value, allowLineBreaks: true))
        {
            return $"{field} must not contain control characters other than line breaks and tabs.";
        }

        return Ssn.ContainsSsnShaped(value) ? $"{field} must not contain an SSN or other 9-digit number." : null;
    }

    /// <summary>
    /// A US phone number as people write it: an optional country code (<c>+1</c> or <c>1</c>), the area code bare or in
    /// parentheses, then the exchange and the line; between the groups at most one space, hyphen or period. Nothing
    /// else: no separators inside a group (<c>3-6-0-…</c>), no doubled or unbalanced parentheses, no extension.
    /// </summary>
    [GeneratedRegex(@"^(?:\+?1[ .-]?)?(?:\((?<area>[0-9]{3})\)[ -]?|(?<area>[0-9]{3})[ .-]?)(?<exchange>[0-9]{3})[ .-]?(?<line>[0-9]{4})\z")]
    private static partial Regex PhonePattern();

    /// <summary>
    /// A case id as the service keeps it: in lower case, so <c>PA-0042</c> and <c>pa-0042</c> are one case
    /// on every durable engine (docs/intake.md, "Case ids"). Null when it is not a valid case id.
    /// </summary>
    public static string? NormalizeCaseId(string? caseId) =>
        caseId is not null && CaseIdPattern().IsMatch(caseId) ? caseId.ToLowerInvariant() : null;

    /// <summary>A US phone number (forms: <see cref="PhonePattern"/>, docs/intake.md) formatted as 360-555-0100, or null.</summary>
    public static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Length > 25)
        {
            return null;
        }

        var match = PhonePattern().Match(phone.Trim());
        if (!match.Success)
        {
            return null;
        }

        string area = match.Groups["area"].Value, exchange = match.Groups["exchange"].Value;

        // NANP: neither the area code nor the exchange starts with 0 or 1.
        return area[0] is not ('0' or '1') && exchange[0] is not ('0' or '1')
            ? $"{area}-{exchange}-{match.Groups["line"].Value}"
            : null;
    }

    /// <summary>
    /// A person's name: letters of any script with their combining marks, plus spaces, apostrophes, hyphens, periods
    /// and commas ("Mary-Jo O'Neil", "José", "King, Jr."): starts with a letter, ends with a letter or a period, no two
    /// punctuation marks side by side; no digits, symbols or markup.
    /// </summary>
    internal static bool IsPersonName(string value)
    {
        var index = 0;
        var first = true;
        var previousPunctuation = false;
        var last = Rune.ReplacementChar;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != OperationStatus.Done)
            {
                return false; // unpaired surrogate
            }

            index += consumed;
            var letter = Rune.IsLetter(rune);
            var mark = Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            var punctuation = rune.Value is '\'' or '\u2019' or '-' or '.' or ',';
            if (!(letter || (mark && !first) || punctuation || rune.Value == ' '))
            {
                return false;
            }

            // Starts with a letter; punctuation marks never touch each other ("O'Neil", "Mary-Jo", not "x'--").
            if ((first && !letter) || (punctuation && previousPunctuation))
            {
                return false;
            }

            first = false;
            previousPunctuation = punctuation;
            last = rune;
        }

        // Ends with a letter (or its mark) or an abbreviating period ("Jr.").
        return !first && (Rune.IsLetter(last) || Rune.GetUnicodeCategory(last) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark || last.Value == '.');
    }

    /// <summary>No unpaired surrogates and no control or bidi-override characters (tabs and line breaks only if allowed).</summary>
    internal static bool IsWellFormedText(string value, bool allowLineBreaks)
    {
        var index = 0;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            index += consumed;
            if (Rune.IsControl(rune) && !(allowLineBreaks && rune.Value is '\r' or '\n' or '\t'))
            {
                return false;
            }

            if (rune.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069))
            {
                return false;
            }
        }

        return true;
    }

    private static void PersonName(string? value, string field, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            add(field, $"{field} is required.");
        }
        else if (value.Length > MaxName)
        {
            add(field, $"{field} must be at most {MaxName} characters.");
        }
        else if (!IsPersonName(value.Trim()))
        {
            add(field, $"{field} may contain only letters, spaces, apostrophes, hyphens, periods and commas.");
        }
    }

    private static void Email(string? value, string field, bool required, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                add(field, $"{field} is required.");
            }

            return;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > MaxEmail || !EmailPattern().IsMatch(trimmed))
        {
            add(field, $"{field} must be a valid email address, e.g. name@example.org.");
        }
    }

    private static Dictionary<string, string[]> Flatten(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
}
