using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Offices;

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
