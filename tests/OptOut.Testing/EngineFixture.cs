using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace OptOut.Testing;

/// <summary>
/// The workflow on the in-process durable engine (<see cref="WorkflowTestHost"/>) for xunit. Derive a test class from it
/// for an engine per test, or a fixture class for one engine shared by a class (IClassFixture); either states only
/// what differs from the test defaults (<see cref="TestSettings"/>, MIS simulator, in-memory mailbox).
/// </summary>
public abstract class EngineFixture : IAsyncLifetime
{
    private WorkflowTestHost? _host;

    public WorkflowTestHost Host => _host ?? throw new InvalidOperationException("The engine has not started (InitializeAsync).");

    public virtual async Task InitializeAsync() => _host = await WorkflowTestHost.StartAsync(Settings, Services);

    public virtual async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Settings over <see cref="TestSettings.Defaults"/>.</summary>
    protected virtual void Settings(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Services over the workflow's, after the MIS simulator and the in-memory mailbox are registered.</summary>
    protected virtual void Services(IServiceCollection services)
    {
    }
}
