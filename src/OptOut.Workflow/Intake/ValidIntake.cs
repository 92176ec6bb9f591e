using System.Text.Json;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Intake;

/// <summary>
/// An intake request that passed <see cref="IntakeValidator.Parse"/>: trimmed, normalised and checked once, so nothing
/// downstream re-normalises or asserts non-null. The SSN is held as <see cref="ClearSsn"/>, whose text is masked.
/// </summary>
public sealed record ValidIntake(
    string? CaseId,
    string CaseManagerName,
    string CaseManagerEmail,
    Office Office,
    string FirstName,
    string LastName,
    string Phone,
    string? ClientEmail,
    bool? HasWorkSourceAccount,
    ClearSsn Ssn,
    string Reason)
{
    /// <summary>
    /// The request's identity for idempotency (keyed into a fingerprint by <see cref="SsnProtector.Fingerprint"/>): the same
    /// case sent again, with other letter case in emails or office or other phone formatting, is the same case.
    /// The shape is stored in every running case's fingerprint: changing it makes resends of open cases conflict.
    /// </summary>
    public string Canonical() => JsonSerializer.Serialize(new
    {
        cm = new { name = CaseManagerName, email = CaseManagerEmail.ToUpperInvariant(), office = Office.Code.ToUpperInvariant() },
        client = new
        {
            first = FirstName,
            last = LastName,
            phone = Phone,
            email = ClientEmail?.ToUpperInvariant(),
            ssn = Ssn.Digits,
            account = HasWorkSourceAccount,
        },
        reason = Reason,
    });
}

/// <summary>A client's SSN in clear (9 digits), only between intake and encryption. Its text is always masked.</summary>
public sealed record ClearSsn(string Digits)
{
    public string LastFour => Digits[^4..];

    public override string ToString() => Protection.Ssn.Mask(Digits);
}

/// <summary>The result of <see cref="IntakeValidator.Parse"/>: a valid intake, or the errors keyed by JSON path.</summary>
public sealed record IntakeParse(ValidIntake? Value, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Value is not null;
}
