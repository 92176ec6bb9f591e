using Microsoft.AspNetCore.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using OptOut.Api;
using OptOut.Api.Access;
using OptOut.DevTools;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.LocalHost.Durable;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.UseCases.DecideCase;
using OptOut.Workflow.UseCases.GetCase;
using OptOut.Workflow.UseCases.ListCases;
using OptOut.Workflow.UseCases.StartCase;
using OptOut.Workflow.UseCases.WithdrawCase;
using OptOut.Workflow.Lookup;

namespace OptOut.LocalHost;

/// <summary>Composition of the local host: the same workflow and routes as the Functions app, plus developer tools.</summary>
public static class LocalHostApp
{
    /// <summary>The local host as <c>dotnet run</c> composes it.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Runs first: configuration and logging (tests add their settings here).</param>
    /// <param name="overrides">Runs last, before the app is built: a test replaces a service (e.g. a failing MIS gateway).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, LocalHostOptions.Switches);
        configure?.Invoke(builder);
        var config = builder.Configuration;
        // Not "Urls": the in-process durable engine runs its own gRPC host, which would also read that key.
        var listenUrl = ListenAddress.Resolve(config["LocalHost:Url"] ?? "http://localhost:7071"); // port 0: a free port
        builder.WebHost.UseUrls(listenUrl);

        builder.Services.AddOptions<LocalHostOptions>()
            .Bind(config.GetSection(LocalHostOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.FunctionKey), "LocalHost:FunctionKey is required (the x-functions-key the local API accepts).")
            .Validate(o => o.Mis is "Simulator" or "Http", "LocalHost:Mis must be Simulator or Http.")
            .Validate(o => string.Equals(o.Store, "InMemory", StringComparison.OrdinalIgnoreCase) || LocalHostOptions.IsAzureStorage(o.Store), "LocalHost:Store must be InMemory or AzureStorage (alias Azurite).")
            .ValidateOnStart();

        // Decision links carry their token in the path: no request line or log scope may record it (DecisionLinkRedaction).
        builder.Logging.HideRequestPathLogs();

        builder.Services.AddOptOutWorkflow(config);
        builder.Services.AddOptOutAccess(config);
        builder.Services.ConfigureAuth(config); // the dev sign-in plays App Service Authentication (DevSignIn.cs)
        // The local host's function key is its dev integration key, for every office (README's curl examples).
        builder.Services.PostConfigure<Dictionary<string, IntegrationOptions>>(integrations =>
            integrations.TryAdd("local-dev", new IntegrationOptions { KeySha256 = CallerResolver.HashKey(config["LocalHost:FunctionKey"] ?? ""), Offices = "*" }));
        builder.Services.AddSingleton(MisSimulator.Seeded());
        if (string.Equals(config["LocalHost:Mis"], "Http", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddHttpMisGateway(config);
        }
        else
        {
            builder.Services.AddSingleton<IMisGateway>(sp => sp.GetRequiredService<MisSimulator>());
        }

        // Email: the real SendGrid notifier posting to this host's SendGrid-compatible sink (LocalEmail.cs, SendGridSink.cs).
        builder.AddLocalEmail(listenUrl);

        if (LocalHostOptions.IsAzureStorage(config["LocalHost:Store"]))
        {
            builder.Services.AddAzureStorageDurableTask(config, registry => registry.AddOptOutWorkflow());
        }
        else
        {
            builder.Services.AddFullSpeedInMemoryDurableTask(registry => registry.AddOptOutWorkflow());
            // The engine forgets its cases on exit and runs in this one process: so may the decision record, the id registry and
            // the email outbox (AzureStorage uses tables for all three).
            builder.Services.AddSingleton<IDecisionRecord, InMemoryDecisionRecord>();
            builder.Services.AddSingleton<ICaseIdRegistry, InMemoryCaseIdRegistry>();
            builder.Services.AddSingleton<IEmailOutbox>(sp => new InMemoryEmailOutbox(
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<SendGridOptions>>().Value.ClaimLease));
        }

        // The use cases, bound to this host's durable client (the Functions app binds each invocation's client instead).
        builder.Services.AddOrchestrationVersioning();
        builder.Services.AddTransient<StartCaseHandler>();
        builder.Services.AddTransient<GetCaseHandler>();
        builder.Services.AddTransient<ListCasesHandler>();
        builder.Services.AddTransient<WithdrawCaseHandler>();
        builder.Services.AddTransient<DecideCaseHandler>();
        builder.Services.AddTransient<StaleCaseScanner>();
        builder.Services.AddHostedService<StaleScanService>();
        builder.Services.AddIntakeQueuePoller(config);
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseStatusCodePages(ApiStatusProblems);
        app.UseDevSignIn();
        app.MapApiRoutes();
        app.MapDevSignIn();
        app.MapSimulatorRoutes();
        app.MapPortalRoutes();
        app.MapDevRoutes();
        app.MapAdminRoutes();
        app.MapSendGridSink();
        return app;
    }

    /// <summary>
    /// An /api address that no route serves (404) or a method a route does not accept (405) answers problem+json like
    /// every other API error, instead of an empty body. Responses that already have a body are left alone.
    /// </summary>
    private static async Task ApiStatusProblems(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (!http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var path = http.Request.Path.ToString();
        var problem = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Problems.NotFound($"No API route matches {http.Request.Method} {path}. The routes are listed in the README (HTTP contract)."),
            StatusCodes.Status405MethodNotAllowed => Problems.Status(StatusCodes.Status405MethodNotAllowed, "Method not allowed.", $"{path} does not accept {http.Request.Method}; allowed: {http.Response.Headers.Allow}."),
            _ => null,
        };
        if (problem is not null)
        {
            await problem.ExecuteAsync(http);
        }
    }

    public static void PrintWelcome(WebApplication app)
    {
        var baseUrl = app.Urls.FirstOrDefault() ?? "http://localhost:7071";
        var key = app.Services.GetRequiredService<IOptions<LocalHostOptions>>().Value.FunctionKey;
        Console.WriteLine($"""

            Opt-Out Case Automation (local host) is running.
              Start here:      {baseUrl}/
              Portal:          {baseUrl}/portal   (sign in as a seeded person at {baseUrl}/dev/signin)
              Dev mailbox:     {baseUrl}/dev/mailbox
              MIS simulator:   {baseUrl}/sim/mis/participants
              API:             POST {baseUrl}/api/cases   (header x-functions-key: {key})
              Durable engine:  {app.Configuration["LocalHost:Store"] ?? "InMemory"}
            Press Ctrl+C to stop.

            """);
    }
}
