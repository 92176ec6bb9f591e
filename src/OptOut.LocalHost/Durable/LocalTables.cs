using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using OptOut.DevTools.Email;

namespace OptOut.LocalHost.Durable;

/// <summary>The durable local store's own tables, beside the task hub's: the dev mailbox, the decision ledger and the email outbox.</summary>
internal sealed class LocalTables(IOptions<AzureStorageStoreOptions> options)
{
    private readonly TableServiceClient _service = new(options.Value.ConnectionString);

    public TableClient Mailbox => _service.GetTableClient(options.Value.MailboxTable);

    public TableClient Decisions => _service.GetTableClient(options.Value.DecisionTable);

    public TableClient CaseIds => _service.GetTableClient(options.Value.CaseIdTable);
    public TableClient EmailOutbox => _service.GetTableClient(options.Value.EmailOutboxTable);

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await Mailbox.CreateIfNotExistsAsync(cancellationToken);
        await Decisions.CreateIfNotExistsAsync(cancellationToken);
        await CaseIds.CreateIfNotExistsAsync(cancellationToken);
        await EmailOutbox.CreateIfNotExistsAsync(cancellationToken);
    }
}

/// <summary>Creates the tables and loads the mail sent before this start into the dev mailbox, before the workflow runs.</summary>
internal sealed class LocalTablesStartup(LocalTables tables, TableMailbox mailbox) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await tables.CreateAsync(cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw new InvalidOperationException(
                $"LocalHost:Store is AzureStorage but the storage account could not be reached ({e.GetType().Name}: {e.Message}). Start Azurite first (see docs/local-durable.md) or fix LocalHost:AzureStorage:ConnectionString.",
                e);
        }

        await mailbox.LoadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

