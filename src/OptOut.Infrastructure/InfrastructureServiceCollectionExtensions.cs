using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OptOut.Infrastructure.Email;
using OptOut.Infrastructure.Mis;
using OptOut.Infrastructure.Storage;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;

namespace OptOut.Infrastructure;

/// <summary>Registers the production adapters of the workflow's ports.</summary>
public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>The table of decision records (one row per case), in the app's storage account.</summary>
    public const string DecisionTable = "OptOutDecisions";

    /// <summary>The MIS gateway over HTTP (docs/mis-gateway.md) with standard resilience: retries with backoff on 429/5xx/timeouts, circuit breaker.</summary>
    public static IServiceCollection AddHttpMisGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MisOptions>()
            .Bind(configuration.GetSection(MisOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient<IMisGateway, HttpMisGateway>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<MisOptions>>().Value;
                var baseUrl = o.BaseUrl!.ToString();
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                http.Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds * 4);
                if (!string.IsNullOrEmpty(o.ApiKey))
                {
                    http.DefaultRequestHeaders.Add("x-api-key", o.ApiKey);
                }
            })
            .AddStandardResilienceHandler(r =>
            {
                r.Retry.MaxRetryAttempts = 3;
                r.Retry.Delay = TimeSpan.FromMilliseconds(200);
            });
        return services;
    }

    /// <summary>Email through SendGrid (validated settings; resilient HttpClient: 429/5xx/timeouts retried 3 times with backoff).</summary>
    public static IServiceCollection AddSendGridNotifier(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendGridOptions>()
            .Bind(configuration.GetSection(SendGridOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<SentEmailKeys>(_ => new SentEmailKeys());
        services.AddHttpClient<INotifier, SendGridNotifier>()
            .AddStandardResilienceHandler(r =>
            {
                r.Retry.MaxRetryAttempts = 3;
                r.Retry.Delay = TimeSpan.FromMilliseconds(500);
            });
        return services;
    }

    /// <summary>
    /// The decision record in the <see cref="DecisionTable"/> table of the storage account named by
    /// <paramref name="connectionName"/> (see <see cref="StorageConnection"/>), shared by every instance.
    /// </summary>
    public static IServiceCollection AddTableDecisionRecord(this IServiceCollection services, IConfiguration configuration, string connectionName = StorageConnection.Default)
    {
        services.AddSingleton<IDecisionRecord>(_ => new TableDecisionRecord(
            StorageConnection.Tables(configuration, connectionName).GetTableClient(DecisionTable)));
        return services;
    }
}
