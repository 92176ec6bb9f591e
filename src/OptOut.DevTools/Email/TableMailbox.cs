using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OptOut.Infrastructure.Storage;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;

namespace OptOut.DevTools.Email;

/// <summary>
/// The dev mailbox, kept in a table so it survives restarts. One row per message key: a key already sent is not sent
/// again (like the SendGrid notifier), and the repeat is counted on the row (<c>Attempts</c>) and logged, so a workflow
/// that re-sent a step's email after a restart would show. The in-memory mailbox the dev pages read mirrors the table.
/// </summary>
public sealed class TableMailbox(TableClient table, InMemoryMailbox mailbox, TimeProvider time, ILogger<TableMailbox> logger) : INotifier
{
    private const string Partition = "mail";
    private long _sequence;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            var mail = FromRow(row);
            mailbox.Restore(mail);
            _sequence = Math.Max(_sequence, long.Parse(mail.Id, CultureInfo.InvariantCulture));
            count++;
        }

        Log.MailboxLoaded(logger, count);
    }

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = new StoredEmail(Interlocked.Increment(ref _sequence).ToString("D6", CultureInfo.InvariantCulture), time.GetUtcNow(), message);
        try
        {
            await table.AddEntityAsync(ToRow(mail), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var attempts = await CountRepeatAsync(message.Key, cancellationToken);
            Log.MailRepeated(logger, message.Key, attempts);
            return false;
        }

        mailbox.Restore(mail);
        return true;
    }

    private async Task<int> CountRepeatAsync(string key, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 5; i++)
        {
            var row = (await table.GetEntityAsync<TableEntity>(Partition, TableKeys.Escape(key), cancellationToken: cancellationToken)).Value;
            var attempts = (row.GetInt32("Attempts") ?? 1) + 1;
            row["Attempts"] = attempts;
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
                return attempts;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Another send of the same key updated the row first: read it again.
            }
        }

        return -1;
    }

    private static TableEntity ToRow(StoredEmail m) => new(Partition, TableKeys.Escape(m.Message.Key))
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
}
