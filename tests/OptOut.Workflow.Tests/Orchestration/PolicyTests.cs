using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Testing;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Orchestration;

namespace OptOut.Workflow.Tests.Orchestration;

/// <summary>Business hours (America/Los_Angeles) and start-up validation of the workflow's settings.</summary>
public sealed class PolicyTests
{
    private static readonly BusinessHours Pacific = new(true, "America/Los_Angeles", 8, 17);

    [Theory]
    [InlineData("2026-11-24T18:00:00Z", "2026-11-24T18:00:00Z")] // Tue 10:00 PST: open
    [InlineData("2026-11-25T02:00:00Z", "2026-11-25T16:00:00Z")] // Tue 18:00 PST: next day 08:00 PST
    [InlineData("2026-11-24T14:00:00Z", "2026-11-24T16:00:00Z")] // Tue 06:00 PST: 08:00 the same day
    [InlineData("2026-11-28T19:00:00Z", "2026-11-30T16:00:00Z")] // Sat 11:00 PST: Monday 08:00
    [InlineData("2026-11-28T02:00:00Z", "2026-11-30T16:00:00Z")] // Fri 18:00 PST: Monday 08:00
    [InlineData("2026-03-07T18:00:00Z", "2026-03-09T15:00:00Z")] // Sat before DST: Monday 08:00 PDT (UTC-7)
    [InlineData("2026-07-01T01:00:00Z", "2026-07-01T15:00:00Z")] // Tue 18:00 PDT: Wed 08:00 PDT
    public void Reminders_land_in_pacific_business_hours(string utc, string expected)
    {
        var at = DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), Pacific.NextOpen(at));
    }

    [Fact]
    public void Disabled_business_hours_change_nothing() =>
        Assert.Equal(new DateTime(2026, 11, 28, 3, 0, 0, DateTimeKind.Utc), BusinessHours.Always.NextOpen(new DateTime(2026, 11, 28, 3, 0, 0, DateTimeKind.Utc)));

    [Fact]
    public void Cross_field_problems_are_reported()
    {
        var o = new WorkflowOptions { EscalateAfter = TimeSpan.FromDays(9), SupervisorDeadline = TimeSpan.FromDays(3), BusinessStartHour = 17, BusinessEndHour = 8, TimeZone = "Mars/Olympus_Mons" };
        var problems = o.Problems().ToList();
        Assert.Contains(problems, p => p.Contains("SupervisorDeadline", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BusinessEndHour", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Mars/Olympus_Mons", StringComparison.Ordinal));
        Assert.Empty(new WorkflowOptions().Problems());
    }

    [Theory]
    [InlineData("Protection:SsnKey", "", "Protection:SsnKey")]
    [InlineData("Protection:SsnKey", "dG9vLXNob3J0", "Protection:SsnKey must be base64 of exactly 32 bytes")]
    [InlineData("Links:SigningKey", "", "Links:SigningKey")]
    [InlineData("Workflow:SupervisorDeadline", "00:00:01", "Workflow:SupervisorDeadline must be longer")]
    [InlineData("Offices:port-angeles:SupervisorEmail", "not-an-email", "Offices:port-angeles")]
    public void Start_up_fails_with_a_message_naming_the_bad_setting(string key, string value, string expected)
    {
        var values = TestSettings.Defaults();
        values[key] = value;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddLogging().AddOptOutWorkflow(config).BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Test_settings_are_valid()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(TestSettings.Defaults()).Build();
        using var services = new ServiceCollection().AddLogging().AddOptOutWorkflow(config).BuildServiceProvider();
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    private static string Flatten(Exception e) => e is AggregateException a ? string.Join(" | ", a.InnerExceptions.Select(Flatten)) : e.Message;
}
