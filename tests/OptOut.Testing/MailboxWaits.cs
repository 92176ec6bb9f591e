using OptOut.DevTools.Email;
using OptOut.Workflow.Notifications;

namespace OptOut.Testing;

/// <summary>Waiting for an email in the in-memory mailbox (the engine host's, or the local host's dev mailbox).</summary>
public static class MailboxWaits
{
    /// <summary>Until the mailbox holds the message with this key (emails are sent by activities, on the engine's clock).</summary>
    public static async Task<StoredEmail> WaitForEmailAsync(this InMemoryMailbox mailbox, string messageKey, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return (await Eventually.UntilAsync(
            () => Task.FromResult(mailbox.All.FirstOrDefault(m => m.Message.Key == messageKey)),
            m => m is not null,
            timeout ?? TimeSpan.FromSeconds(30),
            _ => $"No email {messageKey} in the mailbox; it has: {string.Join(", ", mailbox.All.Select(m => m.Message.Key))}",
            TimeSpan.FromMilliseconds(20)))!;
    }
}
