using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Decisions;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost.Durable;

/// <summary>The durable local store's own tables, beside the task hub's: the dev mailbox and the decision ledger.</summary>
internal sealed class LocalTables(IOptions<AzureStorageStoreOptions> options)
{
    private readonly TableServiceClient _service = new(options.Value.ConnectionString);

    public TableClient Mailbox => _service.GetTableClient(options.Value.MailboxTable);

    public TableClient Decisions => _service.GetTableClient(options.Value.DecisionTable);

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await Mailbox.CreateIfNotExistsAsync(cancellationToken);
        await Decisions.CreateIfNotExistsAsync(cancellationToken);
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

/// <summary>
/// The dev mailbox, kept in a table so it survives restarts. One row per message key: a key already sent is not sent
/// again (like the SendGrid notifier), and the repeat is counted on the row (<c>Attempts</c>) and logged, so a workflow
/// that re-sent a step's email after a restart would show. The in-memory mailbox the dev pages read mirrors the table.
/// </summary>
internal sealed partial class TableMailbox(LocalTables tables, InMemoryMailbox mailbox, TimeProvider time, ILogger<TableMailbox> logger) : INotifier
{
    private const string Partition = "mail";
    private long _sequence;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in tables.Mailbox.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            var mail = FromRow(row);
            mailbox.Restore(mail);
            _sequence = Math.Max(_sequence, long.Parse(mail.Id, CultureInfo.InvariantCulture));
            count++;
        }

        LogLoaded(logger, count);
    }

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = new StoredEmail(Interlocked.Increment(ref _sequence).ToString("D6", CultureInfo.InvariantCulture), time.GetUtcNow(), message);
        try
        {
            await tables.Mailbox.AddEntityAsync(ToRow(mail), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var attempts = await CountRepeatAsync(message.Key, cancellationToken);
            LogRepeat(logger, message.Key, attempts);
            return false;
        }

        mailbox.Restore(mail);
        return true;
    }

    private async Task<int> CountRepeatAsync(string key, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 5; i++)
        {
            var row = (await tables.Mailbox.GetEntityAsync<TableEntity>(Partition, RowKey(key), cancellationToken: cancellationToken)).Value;
            var attempts = (row.GetInt32("Attempts") ?? 1) + 1;
            row["Attempts"] = attempts;
            try
            {
                await tables.Mailbox.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
                return attempts;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Another send of the same key updated the row first: read it again.
            }
        }

        return -1;
    }

    /// <summary>Row keys cannot hold / \ # ? or control characters; message keys normally have none.</summary>
    internal static string RowKey(string key) =>
        string.Concat(key.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? $"%{(int)c:X2}" : c.ToString()));

    private static TableEntity ToRow(StoredEmail m) => new(Partition, RowKey(m.Message.Key))
    {
        ["Id"] = m.Id,
        ["SentAt"] = m.SentAt,
        ["MessageKey"] = m.Message.Key,
        ["ToName"] = m.Message.To.Name,
        ["ToEmail"] = m.Message.To.Email,
        ["Subject"] = m.Message.Subject,
        ["TextBody"] = m.Message.TextBody,
        ["HtmlBody"] = m.Message.HtmlBody,
        ["Attempts"] = 1,
    };

    private static StoredEmail FromRow(TableEntity e) => new(
        e.GetString("Id"),
        e.GetDateTimeOffset("SentAt") ?? DateTimeOffset.MinValue,
        new EmailMessage(
            e.GetString("MessageKey"),
            new Contact(e.GetString("ToName") ?? "", e.GetString("ToEmail") ?? ""),
            e.GetString("Subject") ?? "",
            e.GetString("TextBody") ?? "",
            e.GetString("HtmlBody") ?? ""));

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev mailbox: {Count} email(s) from earlier runs loaded")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dev mailbox: message {MessageKey} was already sent; not sent again (attempt {Attempts})")]
    private static partial void LogRepeat(ILogger logger, string messageKey, int attempts);
}

/// <summary>The single-use decision ledger in a table: a decision link used before a restart stays used.</summary>
internal sealed class TableDecisionLedger(LocalTables tables, TimeProvider time) : IDecisionLedger
{
    public async Task<bool> TryConsumeAsync(string tokenId, string caseId, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Decisions.AddEntityAsync(
                new TableEntity(TableMailbox.RowKey(caseId), TableMailbox.RowKey(tokenId)) { ["UsedAt"] = time.GetUtcNow() },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
