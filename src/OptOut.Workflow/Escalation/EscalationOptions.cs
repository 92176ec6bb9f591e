using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Escalation;

/// <summary>The "Escalation" settings section: who gets the stale-case digest and what the scheduled scan counts as stale.</summary>
public sealed class EscalationOptions
{
    public const string Section = "Escalation";

    [Required(ErrorMessage = "Escalation:ContactName is required.")]
    public string ContactName { get; set; } = "";

    [Required(ErrorMessage = "Escalation:ContactEmail is required."), EmailAddress]
    public string ContactEmail { get; set; } = "";

    /// <summary>The scheduled scan escalates cases waiting on a supervisor longer than this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00", ErrorMessage = "Escalation:StaleAfter must be between 1 second and 90 days.")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// A case waiting for the client's WorkSourceWA registration longer than this is listed in the digest (the case still
    /// closes by itself at Workflow:RegistrationDeadline). Default 7 days: half the production registration deadline.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00", ErrorMessage = "Escalation:RegistrationStaleAfter must be between 1 second and 90 days.")]
    public TimeSpan RegistrationStaleAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A running case that has not moved for longer than this in a step that normally takes seconds (Received, a search,
    /// the Opt-Out Lookup, adding to the office, verifying an opt-in, sending the closing email) is listed as stuck.
    /// Production retries give up within minutes, so an hour means the MIS or the engine is stuck.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Escalation:StuckAfter must be between 1 second and 7 days.")]
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An instance still Pending (accepted, never started by the engine) longer than this is listed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Escalation:PendingAfter must be between 1 second and 1 day.")]
    public TimeSpan PendingAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A case whose orchestration crashed (runtime status Failed) or was terminated is listed in every digest for this long
    /// after it stopped, and the retention purge keeps it at least this long, so it is in a digest at least once even when
    /// a scan is missed. Default 7 days: the weekday scan lists it at least four times, whatever the weekend.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00", ErrorMessage = "Escalation:FailureListedFor must be between 1 second and 90 days.")]
    public TimeSpan FailureListedFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the local host runs the scan (the Functions app uses the CRON setting EscalationScanSchedule).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Escalation:ScanInterval must be between 1 second and 7 days.")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Cross-setting checks, run at start-up.</summary>
    public IEnumerable<string> Problems()
    {
        if (FailureListedFor < ScanInterval)
        {
            yield return "Escalation:FailureListedFor must be at least Escalation:ScanInterval, or a failed case could be purged without ever being in a digest.";
        }
    }
}
