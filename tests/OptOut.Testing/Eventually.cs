namespace OptOut.Testing;

/// <summary>Polling for state that real timers, queues and HTTP calls reach on their own schedule.</summary>
public static class Eventually
{
    /// <summary>
    /// Reads <paramref name="probe"/> until <paramref name="done"/> holds and returns that value; past
    /// <paramref name="timeout"/>, throws a <see cref="TimeoutException"/> with <paramref name="failure"/> of the last value.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> failure, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(failure);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure(value));
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>The first non-null value of <paramref name="probe"/>.</summary>
    public static async Task<T> NotNullAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string failure, TimeSpan? interval = null)
        where T : class =>
        (await UntilAsync(probe, v => v is not null, timeout, _ => failure, interval))!;
}
