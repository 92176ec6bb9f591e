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

    /// <summary>
    /// Object id of the office's Entra security group (optional): its members belong to the office (docs/access.md). Empty:
    /// offices come from the office claim only.
    /// </summary>
    public string? EntraGroupId { get; set; }
}
