using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Infrastructure.Queues;
using OptOut.Infrastructure.Storage;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Operations;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;

namespace OptOut.Functions.Tests;

/// <summary>
/// local.settings.sample.json must hold every setting the Functions app reads, with values that pass the same start-up
/// validation the app runs; and a missing secret must fail start-up with a message naming the setting.
/// </summary>
public sealed class SampleSettingsTests
{
    [Fact]
    public void Sample_settings_configure_every_validated_option_of_the_functions_app()
    {
        using var services = Build(Sample());
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Office_codes_that_cannot_be_setting_names_come_from_the_code_setting()
    {
        using var services = Build(Sample());
        var offices = services.GetRequiredService<OfficeDirectory>();
        Assert.Equal("port-angeles", offices.Find("port-angeles")?.Code);
        Assert.Equal("bremerton", offices.Find("BREMERTON")?.Code);
        Assert.Null(offices.Find("port_angeles"));
        Assert.Null(offices.Find("seattle"));
    }

    [Theory]
    [InlineData("SendGrid__ApiKey", "SendGrid:ApiKey")]
    [InlineData("Links__SigningKey", "Links:SigningKey")]
    [InlineData("Protection__SsnKey", "Protection:SsnKey")]
    [InlineData("Mis__BaseUrl", "Mis:BaseUrl")]
    [InlineData("Escalation__ContactEmail", "Escalation:ContactEmail")]
    public void A_missing_setting_fails_start_up_naming_it(string key, string named)
    {
        var values = Sample();
        values.Remove(key);
        using var services = Build(values);
        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(named, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Binding_expressions_in_host_json_and_triggers_have_sample_values()
    {
        var values = Sample();
        var hostJson = File.ReadAllText(Path.Combine(FunctionsMetadataTests.RepoRoot(), "src", "OptOut.Functions", "host.json"));
        Assert.Contains("%TaskHubName%", hostJson, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(values["TaskHubName"]));
        Assert.Equal(6, values["EscalationScanSchedule"]!.Split(' ').Length); // NCRONTAB with seconds
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", values.Keys);
    }

    private static string Flatten(Exception e) => e is AggregateException a ? string.Join(" ", a.InnerExceptions.Select(Flatten)) : e.Message + " " + (e.InnerException is null ? "" : Flatten(e.InnerException));

    [Fact]
    public void Every_use_case_activity_and_scheduled_job_of_the_functions_app_resolves_from_the_sample_settings()
    {
        using var services = Build(Sample());
        var client = NSubstitute.Substitute.For<Microsoft.DurableTask.Client.DurableTaskClient>("composition");
        Assert.NotNull(services.CreateWithClient<StartCaseHandler>(client));
        Assert.NotNull(services.CreateWithClient<GetCaseHandler>(client));
        Assert.NotNull(services.CreateWithClient<ListCasesHandler>(client));
        Assert.NotNull(services.CreateWithClient<WithdrawCaseHandler>(client));
        Assert.NotNull(services.CreateWithClient<DecideCaseHandler>(client));
        Assert.NotNull(services.CreateWithClient<StaleCaseScanner>(client));
        Assert.NotNull(services.CreateWithClient<CasePurge>(client));
        Assert.NotNull(services.GetRequiredService<SendNotificationActivity>());
        Assert.NotNull(services.GetRequiredService<OptOutLookupActivity>());
        Assert.NotNull(services.GetRequiredService<PoisonQueueSweeper>());
        Assert.IsType<SendGridNotifier>(services.GetRequiredService<INotifier>());
        Assert.IsType<TableDecisionRecord>(services.GetRequiredService<IDecisionRecord>());
        Assert.IsType<TableCaseIdRegistry>(services.GetRequiredService<ICaseIdRegistry>());
    }

    private static Dictionary<string, string?> Sample()
    {
        var path = Path.Combine(FunctionsMetadataTests.RepoRoot(), "local.settings.sample.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        // Environment-variable style keys ("Section__Key"), as the Functions host presents app settings.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)))
            .Build();
        // The Functions app's own composition (Program.cs calls the same method).
        return new ServiceCollection().AddLogging().AddOptOutFunctions(configuration).BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
