namespace OptOut.LocalHost.Tests;

/// <summary>One local host shared by the tests of a class.</summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    public LocalHostInstance Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await LocalHostInstance.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
