using OptOut.Workflow.UseCases.StartCase;

namespace OptOut.Workflow.Tests.UseCases;

public sealed class KeyedLocksTests
{
    [Fact]
    public async Task Holders_of_one_key_never_overlap_and_the_lock_is_dropped_when_idle()
    {
        var locks = new KeyedLocks();
        var inside = 0;
        var maxInside = 0;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using (await locks.AcquireAsync(i % 2 == 0 ? "a" : "A", CancellationToken.None))
            {
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
        }));

        Assert.True(maxInside <= 2, $"max {maxInside} holders at once (two keys)");
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task A_cancelled_waiter_releases_its_reference()
    {
        var locks = new KeyedLocks();
        var held = await locks.AcquireAsync("k", CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = locks.AcquireAsync("k", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        Assert.Equal(0, locks.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
