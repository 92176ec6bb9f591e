using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Escalation;

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
