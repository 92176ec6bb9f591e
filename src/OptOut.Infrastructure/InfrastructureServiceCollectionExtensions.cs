using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OptOut.Infrastructure.Email;
using OptOut.Infrastructure.Mis;
using OptOut.Infrastructure.Queues;
using OptOut.Infrastructure.Storage;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Notifications;
using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Infrastructure;

/// <summary>Registers the production adapters of the workflow's ports.</summary>
public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>The table of decision records (one row per case), in the app's storage account.</summary>
    public const string DecisionTable = "OptOutDecisions";

    /// <summary>The table of claimed case ids, in the app's storage account.</summary>
    public const string CaseIdTable = "OptOutCaseIds";

    /// <summary>The table of emails claimed and sent (the email outbox), in the app's storage account.</summary>
    public const string EmailOutboxTable = "OptOutEmailOutbox";

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

    /// <summary>
    /// Email through SendGrid (validated settings). The HttpClient has a timeout (<c>SendGrid:Timeout</c>) and no
    /// HTTP-level retry: a timed-out POST may have been accepted, so it is never re-posted blindly; Durable's activity
    /// retry is the retry, through the email outbox. An <see cref="IEmailOutbox"/> must be registered too:
    /// <see cref="AddTableEmailOutbox"/> in every host that runs more than one process over its lifetime.
    /// </summary>
    public static IServiceCollection AddSendGridNotifier(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendGridOptions>()
            .Bind(configuration.GetSection(SendGridOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.ClaimLease >= 2 * o.Timeout, "SendGrid:ClaimLease must be at least twice SendGrid:Timeout (a live sender must record its outcome inside its lease).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<INotifier, SendGridNotifier>((sp, http) => http.Timeout = sp.GetRequiredService<IOptions<SendGridOptions>>().Value.Timeout);
        return services;
    }

    /// <summary>
    /// The email outbox (one row per message key: claimed, sent, in doubt, released) in the <see cref="EmailOutboxTable"/>
    /// table of the storage account named by <paramref name="connectionName"/>, shared by every instance.
    /// </summary>
    public static IServiceCollection AddTableEmailOutbox(this IServiceCollection services, IConfiguration configuration, string connectionName = StorageConnection.Default) =>
        services.AddTableEmailOutbox(_ => StorageConnection.Tables(configuration, connectionName).GetTableClient(EmailOutboxTable));

    /// <summary>The email outbox in the given table (the local host's durable store names its tables after its task hub).</summary>
    public static IServiceCollection AddTableEmailOutbox(this IServiceCollection services, Func<IServiceProvider, TableClient> table)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IEmailOutbox>(sp => new TableEmailOutbox(
            table(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<SendGridOptions>>().Value.ClaimLease,
            sp.GetRequiredService<ILogger<TableEmailOutbox>>()));
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

    /// <summary>
    /// The poison-queue sweeper on the queues of the storage account named by <paramref name="connectionName"/>:
    /// rejections it writes expire after 7 days.
    /// </summary>
    public static IServiceCollection AddPoisonQueueSweeper(this IServiceCollection services, IConfiguration configuration, string connectionName = StorageConnection.Default)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new PoisonQueueSweeper(
            StorageConnection.Queues(configuration, connectionName),
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromDays(7),
            sp.GetRequiredService<ILogger<PoisonQueueSweeper>>()));
        return services;
    }

    /// <summary>
    /// The case-id registry in the <see cref="CaseIdTable"/> table of the storage account named by
    /// <paramref name="connectionName"/>: one case per id on every instance.
    /// </summary>
    public static IServiceCollection AddTableCaseIdRegistry(this IServiceCollection services, IConfiguration configuration, string connectionName = StorageConnection.Default)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ICaseIdRegistry>(sp => new TableCaseIdRegistry(
            StorageConnection.Tables(configuration, connectionName).GetTableClient(CaseIdTable),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
