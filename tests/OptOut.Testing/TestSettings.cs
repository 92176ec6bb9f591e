using System.Globalization;

namespace OptOut.Testing;

/// <summary>Settings for tests: every interval in seconds, fixed test keys, the two seeded offices.</summary>
public static class TestSettings
{
    public const string SsnKey = "dGVzdC1vbmx5LXNzbi1rZXktMzItYnl0ZXMtbG9uZyE=";
    public const string SigningKey = "dGVzdC1vbmx5LWxpbmstc2lnbmluZy1rZXktMzItYnl0ZXM=";

    public static Dictionary<string, string?> Defaults() => new()
    {
        ["Workflow:ReminderInterval"] = "00:00:02",
        ["Workflow:MaxReminders"] = "2",
        ["Workflow:EscalateAfter"] = "00:00:05",
        ["Workflow:SupervisorDeadline"] = "00:00:08",
        ["Workflow:RegistrationRecheckInterval"] = "00:00:01",
        ["Workflow:RegistrationDeadline"] = "00:00:04",
        ["Workflow:OptInVerifyAttempts"] = "3",
        ["Workflow:OptInVerifyInterval"] = "00:00:01",
        ["Workflow:RetryMaxAttempts"] = "2",
        ["Workflow:RetryFirstInterval"] = "00:00:00.100",
        ["Workflow:RetryMaxInterval"] = "00:00:00.200",
        ["Workflow:BusinessHoursEnabled"] = "false",
        ["Protection:SsnKey"] = SsnKey,
        ["Links:PublicBaseUrl"] = "http://127.0.0.1:7071",
        ["Links:SigningKey"] = SigningKey,
        ["Links:Lifetime"] = "01:00:00",
        ["Escalation:ContactName"] = "Morgan Escalation",
        ["Escalation:ContactEmail"] = "morgan.escalation@example.org",
        ["Escalation:StaleAfter"] = "00:00:01",
        ["Escalation:ScanInterval"] = "01:00:00",
        ["Offices:port-angeles:Name"] = "WorkSource Port Angeles",
        ["Offices:port-angeles:SupervisorName"] = "Pat Supervisor",
        ["Offices:port-angeles:SupervisorEmail"] = "pat.supervisor@example.org",
        ["Offices:bremerton:Name"] = "WorkSource Bremerton",
        ["Offices:bremerton:SupervisorName"] = "Robin Supervisor",
        ["Offices:bremerton:SupervisorEmail"] = "robin.supervisor@example.org",
    };

    /// <summary>
    /// The supervisor wait of a case: a reminder every <paramref name="reminderInterval"/>, escalation after
    /// <paramref name="escalateAfter"/>, no response after <paramref name="deadline"/>. Tests that decide or withdraw a
    /// waiting case push these out so that no timer fires while they act.
    /// </summary>
    public static IDictionary<string, string?> SupervisorWait(this IDictionary<string, string?> settings, TimeSpan reminderInterval, TimeSpan escalateAfter, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Workflow:ReminderInterval"] = reminderInterval.ToString("c", CultureInfo.InvariantCulture);
        settings["Workflow:EscalateAfter"] = escalateAfter.ToString("c", CultureInfo.InvariantCulture);
        settings["Workflow:SupervisorDeadline"] = deadline.ToString("c", CultureInfo.InvariantCulture);
        return settings;
    }
}
