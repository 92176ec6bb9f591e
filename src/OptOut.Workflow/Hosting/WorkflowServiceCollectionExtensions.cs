using System.ComponentModel.DataAnnotations;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.Offices;
using OptOut.Workflow.Operations;
using OptOut.Workflow.Protection;

namespace OptOut.Workflow.Hosting;

/// <summary>The one place both hosts register the workflow: options (validated at start-up), protection, links, templates, activities.</summary>
public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers everything the workflow needs except the implementations of its ports, which the host chooses:
    /// <see cref="INotifier"/>, <see cref="IMisGateway"/> and <see cref="IDecisionRecord"/> (OptOut.Infrastructure in
    /// production, OptOut.DevTools for the simulator and the dev mailbox).
    /// </summary>
    public static IServiceCollection AddOptOutWorkflow(this IServiceCollection services, IConfiguration configuration)
    {
        AddValidated<WorkflowOptions>(services, configuration, WorkflowOptions.Section, o => o.Problems());
        AddValidated<ProtectionOptions>(services, configuration, ProtectionOptions.Section, o => o.Problems());
        AddValidated<LinkOptions>(services, configuration, LinkOptions.Section, o => o.Problems());
        AddValidated<EscalationOptions>(services, configuration, EscalationOptions.Section, o => o.Problems());
        AddValidated<RetentionOptions>(services, configuration, RetentionOptions.Section, _ => []);
        services.AddOptions<Dictionary<string, OfficeOptions>>()
            .Bind(configuration.GetSection("Offices"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<Dictionary<string, OfficeOptions>>>(new OptionsProblems<Dictionary<string, OfficeOptions>>(OfficeProblems));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OfficeDirectory>();
        services.TryAddSingleton<SsnProtector>();
        services.TryAddSingleton<DecisionTokens>();
        services.TryAddSingleton<IDecisionLinks>(sp => sp.GetRequiredService<DecisionTokens>());
        services.TryAddSingleton<EmailTemplates>();

        services.TryAddTransient<SearchSeekerActivity>();
        services.TryAddTransient<AddSeekerToOfficeActivity>();
        services.TryAddTransient<OptOutLookupActivity>();
        services.TryAddTransient<SendNotificationActivity>();
        return services;
    }

    /// <summary>
    /// A use-case handler (or the stale-case scanner, the purge) bound to the host's Durable Task client: the Functions
    /// app gets one client per invocation from its [DurableClient] binding; its other dependencies come from the container.
    /// </summary>
    public static T CreateWithClient<T>(this IServiceProvider services, DurableTaskClient client)
        where T : class =>
        ActivatorUtilities.CreateInstance<T>(services, client);

    /// <summary>Registers the orchestrator and activities with a Durable Task worker (local host, tests, benchmarks).</summary>
    public static DurableTaskRegistry AddOptOutWorkflow(this DurableTaskRegistry registry)
    {
        registry.AddOrchestrator<OptOutCaseOrchestrator>();
        registry.AddActivity<SearchSeekerActivity>();
        registry.AddActivity<AddSeekerToOfficeActivity>();
        registry.AddActivity<OptOutLookupActivity>();
        registry.AddActivity<SendNotificationActivity>();
        return registry;
    }

    private static void AddValidated<T>(IServiceCollection services, IConfiguration configuration, string section, Func<T, IEnumerable<string>> problems)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new OptionsProblems<T>(problems));
    }

    private static IEnumerable<string> OfficeProblems(Dictionary<string, OfficeOptions> offices)
    {
        if (offices.Count == 0)
        {
            yield return "Offices must list at least one office (Offices:<code>:Name, SupervisorName, SupervisorEmail).";
        }

        foreach (var (code, office) in offices)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(office, new ValidationContext(office), results, validateAllProperties: true))
            {
                foreach (var r in results)
                {
                    yield return $"Offices:{code}: {r.ErrorMessage}";
                }
            }
        }
    }
}
