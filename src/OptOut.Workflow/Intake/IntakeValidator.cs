using System.Net.Mail;
using System.Text.RegularExpressions;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Intake;

/// <summary>Field-level validation of an intake request; errors are keyed by JSON path for problem+json.</summary>
public static partial class IntakeValidator
{
    public const int MaxReason = 1000;
    public const int MaxName = 100;
    public const int MaxEmail = 254;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    public static partial Regex CaseIdPattern();

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

        if (request.CaseId is not null && !CaseIdPattern().IsMatch(request.CaseId))
        {
            Add("caseId", "caseId must be 1-64 characters: letters, digits, '-' or '_'.");
        }

        if (request.CaseManager is not { } cm)
        {
            Add("caseManager", "caseManager is required.");
        }
        else
        {
            RequiredText(cm.Name, "caseManager.name", MaxName, Add);
            Email(cm.Email, "caseManager.email", required: true, Add);
            if (string.IsNullOrWhiteSpace(cm.Office))
            {
                Add("caseManager.office", "caseManager.office is required.");
            }
            else if (cm.Office.Length > 64 || !officeExists(cm.Office.Trim()))
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
            RequiredText(client.FirstName, "client.firstName", MaxName, Add);
            RequiredText(client.LastName, "client.lastName", MaxName, Add);
            if (NormalizePhone(client.Phone) is null)
            {
                Add("client.phone", "client.phone must be a 10-digit US phone number, e.g. 360-555-0100.");
            }

            Email(client.Email, "client.email", required: false, Add);
            var ssn = Ssn.Normalize(client.Ssn);
            if (ssn is null)
            {
                Add("client.ssn", "client.ssn must be 9 digits (dashes allowed).");
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
        else if (request.Reason.Length > MaxReason)
        {
            Add("reason", $"reason must be at most {MaxReason} characters.");
        }

        return Flatten(errors);
    }

    /// <summary>Digits of a US phone number formatted as 360-555-0100, or null.</summary>
    public static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Length > 25)
        {
            return null;
        }

        if (phone.Any(ch => !(char.IsAsciiDigit(ch) || ch is ' ' or '-' or '(' or ')' or '.' or '+')))
        {
            return null;
        }

        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length == 11 && digits[0] == '1')
        {
            digits = digits[1..];
        }

        return digits.Length == 10 && digits[0] is not ('0' or '1') ? $"{digits[..3]}-{digits[3..6]}-{digits[6..]}" : null;
    }

    private static void RequiredText(string? value, string field, int max, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            add(field, $"{field} is required.");
        }
        else if (value.Length > max)
        {
            add(field, $"{field} must be at most {max} characters.");
        }
        else if (value.Any(char.IsControl))
        {
            add(field, $"{field} must not contain control characters.");
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

        if (value.Length > MaxEmail || !MailAddress.TryCreate(value.Trim(), out var parsed) || parsed.Address != value.Trim() || !parsed.Host.Contains('.', StringComparison.Ordinal))
        {
            add(field, $"{field} must be a valid email address.");
        }
    }

    private static Dictionary<string, string[]> Flatten(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
}
