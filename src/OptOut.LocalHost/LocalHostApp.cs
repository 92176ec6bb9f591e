using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Lookup.Simulator;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost;

/// <summary>Composition of the local host: the same workflow and routes as the Functions app, plus developer tools.</summary>
public static class LocalHostApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var config = builder.Configuration;
        // Not "Urls": the in-process durable engine runs its own gRPC host, which would also read that key.
        builder.WebHost.UseUrls(config["LocalHost:Url"] ?? "http://localhost:7071");

        builder.Services.AddOptions<LocalHostOptions>()
            .Bind(config.GetSection(LocalHostOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.FunctionKey), "LocalHost:FunctionKey is required (the x-functions-key the local API accepts).")
            .Validate(o => o.Mis is "Simulator" or "Http", "LocalHost:Mis must be Simulator or Http.")
            .ValidateOnStart();

        builder.Services.AddOptOutWorkflow(config);
        builder.Services.AddSingleton(MisSimulator.Seeded());
        if (string.Equals(config["LocalHost:Mis"], "Http", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddHttpMisGateway(config);
        }
        else
        {
            builder.Services.AddSingleton<IMisGateway>(sp => sp.GetRequiredService<MisSimulator>());
        }

        builder.Services.AddSingleton<InMemoryMailbox>();
        builder.Services.AddSingleton<INotifier>(sp => sp.GetRequiredService<InMemoryMailbox>());

        builder.Services.AddInMemoryDurableTask(registry => registry.AddOptOutWorkflow());
        builder.Services.AddTransient(sp => sp.CreateCaseService(sp.GetRequiredService<DurableTaskClient>()));
        builder.Services.AddTransient(sp => sp.CreateStaleCaseScanner(sp.GetRequiredService<DurableTaskClient>()));
        builder.Services.AddHostedService<StaleScanService>();
        builder.Services.AddIntakeQueuePoller(config);

        var app = builder.Build();
        app.MapApiRoutes();
        app.MapSimulatorRoutes();
        app.MapDevRoutes();
        return app;
    }

    public static void PrintWelcome(WebApplication app)
    {
        var baseUrl = app.Urls.FirstOrDefault() ?? "http://localhost:7071";
        var key = app.Services.GetRequiredService<IOptions<LocalHostOptions>>().Value.FunctionKey;
        Console.WriteLine($"""

            Opt-Out Case Automation (local host) is running.
              Start here:      {baseUrl}/
              Intake form:     {baseUrl}/dev/intake
              Dev mailbox:     {baseUrl}/dev/mailbox
              MIS simulator:   {baseUrl}/sim/mis/participants
              API:             POST {baseUrl}/api/cases   (header x-functions-key: {key})
            Press Ctrl+C to stop.

            """);
    }
}
