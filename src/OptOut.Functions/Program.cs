using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OptOut.Api;
using OptOut.Functions;
using OptOut.Workflow.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Decision links carry their token in the path: ASP.NET Core's request lines (and their RequestPath scope) are off,
// and every exported span is redacted (DecisionLinkRedaction; host.json keeps the host's request telemetry path-free).
builder.Logging.HideRequestPathLogs();

builder.Services.AddOptOutFunctions(builder.Configuration);

// Telemetry: OpenTelemetry traces (Functions invocations, Durable Task, the workflow's own spans tagged with the case id)
// and metrics (cases started/closed by outcome, reminders, escalations), exported to Application Insights when its
// connection string is set (Key Vault/app setting APPLICATIONINSIGHTS_CONNECTION_STRING).
var otel = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(t => t.AddSource(WorkflowTelemetry.Name, "Microsoft.DurableTask", "Microsoft.DurableTask.*").AddProcessor(new DecisionLinkRedactionProcessor()))
    .WithMetrics(m => m.AddMeter(WorkflowTelemetry.Name));
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    otel.UseAzureMonitorExporter();
}

await builder.Build().RunAsync();
