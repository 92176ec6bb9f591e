using System.ComponentModel.DataAnnotations;

namespace OptOut.Workflow.Orchestration;

/// <summary>
/// The timings a case runs with, copied into the case at intake so a running case never changes behaviour
/// when settings change (orchestrator replay must be deterministic).
/// </summary>
public sealed record WorkflowPolicy(
    TimeSpan ReminderInterval,
    int MaxReminders,
    TimeSpan EscalateAfter,
    TimeSpan SupervisorDeadline,
    TimeSpan RegistrationRecheckInterval,
    TimeSpan RegistrationDeadline,
    int OptInVerifyAttempts,
    TimeSpan OptInVerifyInterval,
    ActivityRetryPolicy Retry,
    BusinessHours BusinessHours);

/// <summary>Durable retry for activities (MIS and email calls); exhausting it closes the case as Failed.</summary>
public sealed record ActivityRetryPolicy(int MaxAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient, TimeSpan MaxRetryInterval);

/// <summary>Reminders and escalations land inside these hours (local time of <see cref="TimeZone"/>), Monday to Friday.</summary>
public sealed record BusinessHours(bool Enabled, string TimeZone, int StartHour, int EndHour)
{
    public static readonly BusinessHours Always = new(false, "UTC", 0, 24);

    /// <summary>The first instant at or after <paramref name="utc"/> that falls in business hours. Pure: safe in orchestrators.</summary>
    public DateTime NextOpen(DateTime utc)
    {
        if (!Enabled)
        {
            return utc;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        for (var i = 0; i < 14; i++)
        {
            var isWorkday = local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            if (isWorkday && local.Hour >= StartHour && local.Hour < EndHour)
            {
                break;
            }

            local = isWorkday && local.Hour < StartHour
                ? local.Date.AddHours(StartHour)
                : local.Date.AddDays(1).AddHours(StartHour);
        }

        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
    }
}

/// <summary>The "Workflow" settings section. Production defaults are in days; tests use seconds.</summary>
public sealed class WorkflowOptions
{
    public const string Section = "Workflow";

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromDays(2);

    [Range(0, 20)]
    public int MaxReminders { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:01", "60.00:00:00")]
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:00:01", "120.00:00:00")]
    public TimeSpan SupervisorDeadline { get; set; } = TimeSpan.FromDays(14);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RegistrationRecheckInterval { get; set; } = TimeSpan.FromDays(1);

    [Range(typeof(TimeSpan), "00:00:01", "120.00:00:00")]
    public TimeSpan RegistrationDeadline { get; set; } = TimeSpan.FromDays(14);

    [Range(1, 20)]
    public int OptInVerifyAttempts { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan OptInVerifyInterval { get; set; } = TimeSpan.FromHours(2);

    [Range(1, 20)]
    public int RetryMaxAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryFirstInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1.0, 10.0)]
    public double RetryBackoffCoefficient { get; set; } = 2.0;

    public bool BusinessHoursEnabled { get; set; } = true;

    [Required]
    public string TimeZone { get; set; } = "America/Los_Angeles";

    [Range(0, 23)]
    public int BusinessStartHour { get; set; } = 8;

    [Range(1, 24)]
    public int BusinessEndHour { get; set; } = 17;

    /// <summary>
    /// The orchestration version new cases start with, and the newest the worker runs: by default the newest this build
    /// knows (<see cref="OrchestratorVersions.Current"/>). Lower it only to hold a new version back during a staged
    /// roll-out (docs/orchestrator-versioning.md); the upgrade test uses it to play an older deploy.
    /// </summary>
    public string OrchestrationVersion { get; set; } = OrchestratorVersions.Current;

    public WorkflowPolicy ToPolicy() => new(
        ReminderInterval,
        MaxReminders,
        EscalateAfter,
        SupervisorDeadline,
        RegistrationRecheckInterval,
        RegistrationDeadline,
        OptInVerifyAttempts,
        OptInVerifyInterval,
        new ActivityRetryPolicy(RetryMaxAttempts, RetryFirstInterval, RetryBackoffCoefficient, RetryMaxInterval),
        new BusinessHours(BusinessHoursEnabled, TimeZone, BusinessStartHour, BusinessEndHour));

    /// <summary>Cross-field checks that DataAnnotations cannot express.</summary>
    public IEnumerable<string> Problems()
    {
        if (SupervisorDeadline <= EscalateAfter)
        {
            yield return "Workflow:SupervisorDeadline must be longer than Workflow:EscalateAfter.";
        }

        if (RegistrationDeadline < RegistrationRecheckInterval)
        {
            yield return "Workflow:RegistrationDeadline must be at least Workflow:RegistrationRecheckInterval.";
        }

        if (BusinessEndHour <= BusinessStartHour)
        {
            yield return "Workflow:BusinessEndHour must be after Workflow:BusinessStartHour.";
        }

        if (!OrchestratorVersions.Known.Contains(OrchestrationVersion ?? "", StringComparer.Ordinal))
        {
            yield return $"Workflow:OrchestrationVersion '{OrchestrationVersion}' is not a version this build runs ({string.Join(", ", OrchestratorVersions.Known.Where(v => v.Length > 0))}).";
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            yield return $"Workflow:TimeZone '{TimeZone}' is not a known time zone.";
        }
    }
}
