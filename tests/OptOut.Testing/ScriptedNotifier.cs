using System.Collections.Concurrent;
using OptOut.DevTools.Email;
using OptOut.Workflow.Notifications;

namespace OptOut.Testing;

/// <summary>
/// The in-memory mailbox with a script: an email whose message key ends with a given suffix (":CaseManagerUpdate:1")
/// can be held until the test releases it, or made to fail every send (as SendGrid answering 5xx would), so its
/// activity fails after its retries. Everything else is delivered at once.
/// </summary>
public sealed class ScriptedNotifier(InMemoryMailbox inner) : INotifier
{
    private readonly ConcurrentDictionary<string, EmailGate> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failing = new(StringComparer.Ordinal);

    /// <summary>Holds every send of the emails whose key ends with <paramref name="keySuffix"/> until the gate is released.</summary>
    public EmailGate Hold(string keySuffix) => _holds.GetOrAdd(keySuffix, _ => new EmailGate());

    /// <summary>Every send of the emails whose key ends with <paramref name="keySuffix"/> fails (after any hold).</summary>
    public void Fail(string keySuffix) => _failing.TryAdd(keySuffix, 0);

    /// <summary>How many times a failing email was tried (each activity retry is one).</summary>
    public int FailedSends(string keySuffix) => _failing.TryGetValue(keySuffix, out var n) ? n : 0;

    public async Task<bool> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var (suffix, gate) in _holds)
        {
            if (message.Key.EndsWith(suffix, StringComparison.Ordinal))
            {
                gate.Entered.TrySetResult();
                await gate.Release.Task.WaitAsync(cancellationToken);
            }
        }

        foreach (var suffix in _failing.Keys)
        {
            if (message.Key.EndsWith(suffix, StringComparison.Ordinal))
            {
                _failing.AddOrUpdate(suffix, 1, (_, n) => n + 1);
                throw new HttpRequestException($"The mail service refused {message.Key} (scripted failure).");
            }
        }

        return await inner.SendAsync(message, cancellationToken);
    }
}

/// <summary>A held email: <see cref="Entered"/> completes when a send reaches the hold, <see cref="Release"/> lets it go on.</summary>
public sealed class EmailGate
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
