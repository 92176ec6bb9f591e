using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using OptOut.Workflow.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddOptOutWorkflow(builder.Configuration);
builder.Services.AddHttpMisGateway(builder.Configuration);
builder.Services.AddSendGridNotifier(builder.Configuration);

await builder.Build().RunAsync();
