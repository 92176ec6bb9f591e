using OptOut.DevTools.Email;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost;

/// <summary>
/// Email in the local host: the real <see cref="SendGridNotifier"/> (official SendGrid client, resilience handler)
/// posting to this host's own SendGrid-compatible sink (<see cref="SendGridSink"/>), which fills the dev mailbox.
/// </summary>
internal static class LocalEmail
{
    /// <summary>
    /// Unless set explicitly, <c>SendGrid:Host</c> and <c>Links:PublicBaseUrl</c> are this host's own address, so mail
    /// flows into the sink and emailed links point back here, whatever port was chosen.
    /// </summary>
    public static void AddLocalEmail(this WebApplicationBuilder builder, string listenUrl)
    {
        var self = ListenAddress.Public(listenUrl);
        var defaults = new Dictionary<string, string?>();
        if (string.IsNullOrWhiteSpace(builder.Configuration["SendGrid:Host"]))
        {
            defaults["SendGrid:Host"] = self;
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration["Links:PublicBaseUrl"]))
        {
            defaults["Links:PublicBaseUrl"] = self;
        }

        builder.Configuration.AddInMemoryCollection(defaults);

        builder.Services.AddSingleton<InMemoryMailbox>();
        builder.Services.AddSendGridNotifier(builder.Configuration);
        // A case resumed from durable storage may email before Kestrel listens: hold such sends until the host has started.
        builder.Services.AddHttpClient<INotifier, SendGridNotifier>()
            .AddHttpMessageHandler(sp => new WaitUntilStartedHandler(sp.GetRequiredService<IHostApplicationLifetime>()));
    }

    private sealed class WaitUntilStartedHandler(IHostApplicationLifetime lifetime) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!lifetime.ApplicationStarted.IsCancellationRequested)
            {
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
                {
                    await started.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
