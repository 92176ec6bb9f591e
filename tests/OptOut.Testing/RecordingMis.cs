using System.Collections.Concurrent;
using OptOut.Workflow.Lookup;

namespace OptOut.Testing;

/// <summary>
/// An MIS gateway that records each call (which lookups ran, in order) and can fail the next N calls of an operation
/// with a transient error, in front of any other gateway (normally the simulator).
/// </summary>
public sealed class RecordingMis(IMisGateway inner) : IMisGateway
{
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<string, MisHold> _holds = new(StringComparer.Ordinal);

    /// <summary>"office-search port-angeles Elena Optout", "statewide-search Elena Optout", "add S-1005 port-angeles", "opt-out-lookup".</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public IReadOnlyList<string> CallsFor(string lastName) => [.. _calls.Where(c => c.Contains(lastName, StringComparison.Ordinal) || c.StartsWith("add ", StringComparison.Ordinal) || c.StartsWith("opt-out-lookup", StringComparison.Ordinal))];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="operation"/> ("search", "add", "lookup") fail with HTTP 503.</summary>
    public void FailNext(string operation, int times) => _failures[operation] = times;

    /// <summary>Searches for <paramref name="lastName"/> wait until the hold is released: the case stays at its searching stage.</summary>
    public MisHold HoldSearches(string lastName) => _holds.GetOrAdd(lastName, _ => new MisHold());

    public async Task<SeekerMatch> SearchAsync(string firstName, string lastName, string phone, string? office, CancellationToken cancellationToken)
    {
        _calls.Enqueue(office is null ? $"statewide-search {firstName} {lastName}" : $"office-search {office} {firstName} {lastName}");
        if (_holds.TryGetValue(lastName, out var hold))
        {
            hold.Entered.TrySetResult();
            await hold.Release.Task.WaitAsync(cancellationToken);
        }

        MaybeFail("search");
        return await inner.SearchAsync(firstName, lastName, phone, office, cancellationToken);
    }

    public async Task<AddSeekerResult> AddSeekerToOfficeAsync(string seekerId, string office, CancellationToken cancellationToken)
    {
        _calls.Enqueue($"add {seekerId} {office}");
        MaybeFail("add");
        return await inner.AddSeekerToOfficeAsync(seekerId, office, cancellationToken);
    }

    public async Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken)
    {
        _calls.Enqueue($"opt-out-lookup ***-**-{ssnDigits[^4..]}");
        MaybeFail("lookup");
        return await inner.OptOutLookupAsync(ssnDigits, cancellationToken);
    }

    private void MaybeFail(string operation)
    {
        while (_failures.TryGetValue(operation, out var left) && left > 0)
        {
            if (_failures.TryUpdate(operation, left - 1, left))
            {
                throw new MisGatewayException($"MIS {operation} failed with HTTP 503.", 503);
            }
        }
    }
}

/// <summary>A search held by <see cref="RecordingMis.HoldSearches"/>: <see cref="Entered"/> once one is waiting.</summary>
public sealed class MisHold
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
