using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Intake;

/// <summary>The JSON body of POST /api/cases and of a message on the optout-intake queue.</summary>
public sealed class CaseIntakeRequest
{
    public string? CaseId { get; set; }
    public CaseManagerDto? CaseManager { get; set; }
    public ClientDto? Client { get; set; }
    public string? Reason { get; set; }
}

public sealed class CaseManagerDto
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Office { get; set; }
}

public sealed class ClientDto
{
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? Ssn { get; set; }
    public bool? HasWorkSourceAccount { get; set; }
}

/// <summary>One WorkSource office: its code is what case managers send as caseManager.office.</summary>
public sealed class OfficeOptions
{
    /// <summary>
    /// The code case managers send (caseManager.office). Optional: defaults to the settings key. Needed when the code has
    /// characters app-setting names cannot hold, e.g. Offices__port_angeles__Code=port-angeles in Azure.
    /// </summary>
    public string? Code { get; set; }

    [Required]
    public string Name { get; set; } = "";

    [Required]
    public string SupervisorName { get; set; } = "";

    [Required, EmailAddress]
    public string SupervisorEmail { get; set; } = "";
}

/// <summary>The "Escalation" settings section.</summary>
public sealed class EscalationOptions
{
    public const string Section = "Escalation";

    [Required(ErrorMessage = "Escalation:ContactName is required.")]
    public string ContactName { get; set; } = "";

    [Required(ErrorMessage = "Escalation:ContactEmail is required."), EmailAddress]
    public string ContactEmail { get; set; } = "";

    /// <summary>The scheduled scan escalates cases waiting on a supervisor longer than this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How often the local host runs the scan (the Functions app uses the CRON setting EscalationScanSchedule).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromHours(24);
}
