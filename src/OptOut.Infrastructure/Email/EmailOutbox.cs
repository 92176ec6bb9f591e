namespace OptOut.Infrastructure.Email;

/// <summary>
/// The durable record of each email, one per message key (<c>{caseId}:{Kind}:{attempt}</c>), shared by every instance:
/// a sender <see cref="ClaimAsync">claims</see> the key, posts the message, then marks it <see cref="OutboxState.Sent"/>
/// (or <see cref="OutboxState.InDoubt"/> when SendGrid gave no answer, or releases the claim when SendGrid refused it).
/// A claim older than its lease (its instance crashed) may be claimed again; a key marked sent or in doubt is never
/// sent again. Rows hold the key, states, times, counts and SendGrid's message id: never an address, a name or an SSN.
/// Production: <see cref="Storage.TableEmailOutbox"/>. See docs/email-and-decisions.md ("Each email once").
/// </summary>
public interface IEmailOutbox
{
    /// <summary>Claims the key for one send, or says why not (already sent, in doubt, claimed by a live sender).</summary>
    Task<OutboxClaim> ClaimAsync(string messageKey, CancellationToken cancellationToken);

    /// <summary>SendGrid accepted the message. Recorded even if the claim's lease ran out meanwhile.</summary>
    Task MarkSentAsync(OutboxClaim claim, string? providerMessageId, CancellationToken cancellationToken);

    /// <summary>The request may have reached SendGrid but no answer came back (timeout, dropped connection): never sent again.</summary>
    Task MarkInDoubtAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken);

    /// <summary>SendGrid refused the message or was never reached: the next claim (the activity's retry) sends it.</summary>
    Task ReleaseAsync(OutboxClaim claim, string reason, CancellationToken cancellationToken);
}

/// <summary>The state of a message key's row.</summary>
public enum OutboxState
{
    /// <summary>A sender holds the key until <c>LeaseUntil</c>.</summary>
    Claimed,

    /// <summary>SendGrid accepted the message (2xx).</summary>
    Sent,

    /// <summary>The request went out and no answer came back: SendGrid may have accepted it. Not sent again automatically.</summary>
    InDoubt,

    /// <summary>SendGrid refused it (or was not reached): free to claim again.</summary>
    Released,
}

/// <summary>What a claim found.</summary>
public enum ClaimOutcome
{
    /// <summary>This sender holds the key: send, then mark.</summary>
    Claimed,

    /// <summary>The row says sent: do not send.</summary>
    AlreadySent,

    /// <summary>The row says in doubt (an earlier send got no answer): do not send.</summary>
    InDoubt,

    /// <summary>Another sender holds a live claim (until <see cref="OutboxClaim.LeaseUntil"/>): do not send now, retry later.</summary>
    InProgress,
}

/// <summary>The result of <see cref="IEmailOutbox.ClaimAsync"/>. <see cref="Version"/> identifies this claim's write (the row's ETag).</summary>
public sealed record OutboxClaim(string MessageKey, ClaimOutcome Outcome, DateTimeOffset LeaseUntil, int Claims, string? Version = null);
