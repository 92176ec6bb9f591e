using Microsoft.Extensions.Options;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Intake;

namespace OptOut.LocalHost;

/// <summary>The local host's EscalateStaleCases: the same scan the Functions timer trigger runs, every Escalation:ScanInterval.</summary>
internal sealed class StaleScanService(IServiceProvider services, IOptionsMonitor<EscalationOptions> options, TimeProvider time, ILogger<StaleScanService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.ScanInterval, time, stoppingToken);
                await services.GetRequiredService<StaleCaseScanner>().ScanAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ScanFailed(logger, e);
            }
        }
    }
}
