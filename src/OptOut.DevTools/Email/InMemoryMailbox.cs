using System.Collections.Concurrent;
using OptOut.Workflow.Cases;
using OptOut.Workflow.Notifications;

namespace OptOut.DevTools.Email;

/// <summary>An email as it was handed to the mail provider. <paramref name="From"/> is known when it came through the SendGrid sink.</summary>
public sealed record StoredEmail(string Id, DateTimeOffset SentAt, EmailMessage Message, Contact? From = null);

/// <summary>
/// Keeps sent mail in memory, de-duplicated by message key. Used by tests as the notifier, and by the local host as the
/// store behind its SendGrid-compatible sink (POST /v3/mail/send) and the dev mailbox page.
/// </summary>
public sealed class InMemoryMailbox(TimeProvider time) : INotifier
{
    private readonly ConcurrentDictionary<string, StoredEmail> _byKey = new(StringComparer.Ordinal);
    private long _sequence;

    public IReadOnlyList<StoredEmail> All => [.. _byKey.Values.OrderBy(m => m.Id, StringComparer.Ordinal)];

    public Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken) => Task.FromResult(Store(message));

    /// <summary>Stores the message unless one with the same key is already here. Returns false for a duplicate.</summary>
    public bool Store(EmailMessage message, Contact? from = null)
    {
        var added = false;
        _byKey.GetOrAdd(message.Key, _ =>
        {
            added = true;
            return new StoredEmail(Interlocked.Increment(ref _sequence).ToString("D6", System.Globalization.CultureInfo.InvariantCulture), time.GetUtcNow(), message, from);
        });
        return added;
    }

    /// <summary>
    /// Adds mail that was recorded elsewhere (the local host's durable mailbox), keeping its id and send time, so the
    /// dev mailbox shows mail sent before a restart. False when a message with the same key is already here.
    /// </summary>
    public bool Restore(StoredEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (!_byKey.TryAdd(mail.Message.Key, mail))
        {
            return false;
        }

        if (long.TryParse(mail.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            long seen;
            while ((seen = Interlocked.Read(ref _sequence)) < id && Interlocked.CompareExchange(ref _sequence, id, seen) != seen)
            {
            }
        }

        return true;
    }

    public StoredEmail? Find(string id) => _byKey.Values.FirstOrDefault(m => m.Id == id);

    public IReadOnlyList<StoredEmail> For(string caseId) =>
        [.. All.Where(m => m.Message.Key.StartsWith(caseId + ":", StringComparison.Ordinal))];
}
