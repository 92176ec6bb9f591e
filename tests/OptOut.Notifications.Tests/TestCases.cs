using Microsoft.Extensions.Options;
using OptOut.Testing;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Orchestration;
using OptOut.Workflow.Protection;

namespace OptOut.Notifications.Tests;

/// <summary>A case as the templates see it, with a test SSN whose digits appear nowhere else in the case.</summary>
internal static class TestCases
{
    public const string Ssn = "521336789";
    public const string SsnLast4 = "6789";
    public const string BaseUrl = "https://optout.example.test";

    public static DecisionTokens Tokens(TimeProvider? time = null, TimeSpan? lifetime = null, string signingKey = TestSettings.SigningKey, string baseUrl = BaseUrl) =>
        new(Options.Create(new LinkOptions { PublicBaseUrl = new Uri(baseUrl), SigningKey = signingKey, Lifetime = lifetime ?? TimeSpan.FromHours(1) }), time ?? TimeProvider.System);

    /// <summary>The default case as its emails see it (<see cref="CaseParties"/>).</summary>
    public static CaseParties Parties() => CaseParties.Of(Case());

    public static CaseInput Case(
        string caseId = "case-tpl-1",
        string firstName = "Elena",
        string lastName = "Optout",
        string reason = "Client wants to enroll in WIOA Adult training.",
        string caseManager = "Casey Manager",
        string? clientEmail = "elena@example.net")
    {
        var protector = new SsnProtector(Options.Create(new ProtectionOptions { SsnKey = TestSettings.SsnKey }));
        return new CaseInput(
            caseId,
            new CaseManagerInfo(caseManager, "casey.manager@example.org", "port-angeles"),
            new ClientInfo(firstName, lastName, "360-555-0199", clientEmail, true, SsnLast4, protector.Protect(Ssn, caseId)),
            reason,
            new Contact("Pat Supervisor", "pat.supervisor@example.org"),
            new Contact("Morgan Escalation", "morgan.escalation@example.org"),
            new DateTime(2026, 3, 2, 17, 0, 0, DateTimeKind.Utc),
            "fingerprint",
            "test",
            new WorkflowOptions().ToPolicy());
    }
}
