using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Api.Access;
using OptOut.Infrastructure;
using OptOut.Workflow.Hosting;

namespace OptOut.Functions;

/// <summary>What the Functions app runs on: the workflow and its production adapters (a test resolves every piece).</summary>
public static class FunctionsComposition
{
    public static IServiceCollection AddOptOutFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptOutWorkflow(configuration);
        services.AddOptOutAccess(configuration); // who calls: Easy Auth's signed-in person or an integration key (docs/access.md)
        services.AddHttpMisGateway(configuration);
        services.AddSendGridNotifier(configuration);
        services.AddTableEmailOutbox(configuration); // each email once across instances (docs/email-and-decisions.md)
        services.AddTableDecisionRecord(configuration); // the first decision of a case wins on every instance
        services.AddTableCaseIdRegistry(configuration); // one case per id on every instance
        services.AddPoisonQueueSweeper(configuration); // poison intake messages leave with their SSN masked
        return services;
    }
}
