using OptOut.DevTools.Mis;
using OptOut.Workflow.Intake;

namespace OptOut.Testing;

/// <summary>Intake requests for the seeded MIS participants (one per branch of the procedure).</summary>
public static class Requests
{
    /// <summary>
    /// A unique case id: <paramref name="prefix"/>, a dash and random letters (never digits: intake refuses an id holding
    /// a run of nine digits, which a random hex suffix produces now and then), at most <paramref name="maxLength"/> long.
    /// </summary>
    public static string UniqueId(string prefix, int maxLength = 64)
    {
        var letters = string.Concat(Guid.NewGuid().ToByteArray().Select(b => (char)('a' + (b % 26))));
        var id = $"{prefix}-{letters}";
        return id.Length <= maxLength ? id : id[..maxLength];
    }

    public static CaseIntakeRequest For(string seekerId, string? caseId = null, string office = "port-angeles", bool? hasAccount = null, string? clientEmail = "client@example.net")
    {
        var p = MisSimulator.Seeded().Find(seekerId) ?? throw new ArgumentException($"No seeded participant {seekerId}.", nameof(seekerId));
        return new CaseIntakeRequest
        {
            CaseId = caseId,
            CaseManager = new CaseManagerDto { Name = "Casey Manager", Email = "casey.manager@example.org", Office = office },
            Client = new ClientDto
            {
                FirstName = p.FirstName,
                LastName = p.LastName,
                Phone = p.Phone,
                Email = clientEmail,
                Ssn = $"{p.Ssn[..3]}-{p.Ssn[3..5]}-{p.Ssn[5..]}",
                HasWorkSourceAccount = hasAccount ?? (p.Registered ? null : false),
            },
            Reason = "Client wants to enroll in WIOA Adult training.",
        };
    }

    /// <summary>Every seeded SSN in the forms a leak could take: digits, dashed, spaced.</summary>
    public static IEnumerable<string> SsnForms(string digits) =>
        [digits, $"{digits[..3]}-{digits[3..5]}-{digits[5..]}", $"{digits[..3]} {digits[3..5]} {digits[5..]}"];
}
