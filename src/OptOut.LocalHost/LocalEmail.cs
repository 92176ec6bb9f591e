using OptOut.DevTools.Email;
using OptOut.Infrastructure;
using OptOut.Infrastructure.Email;
using OptOut.Workflow.Hosting;
using OptOut.Workflow.Notifications;

namespace OptOut.LocalHost;

/// <summary>
/// Email in the local host: the real <see cref="SendGridNotifier"/> (official SendGrid client, email outbox: in memory
/// with the in-memory store, the table outbox with <c>--store AzureStorage</c>) posting to this host's own
/// SendGrid-compatible sink (<see cref="SendGridSink"/>), which fills the dev mailbox.
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
                    try
                    {
                        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                    }
                    catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                    {
                        // Nothing left this process: say so as a connection failure, so the notifier releases the
                        // message's claim (a retry sends it) instead of recording it as possibly sent.
                        throw new HttpRequestException(HttpRequestError.ConnectionError, "The local host is not listening yet; the email was not sent.", e);
                    }
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
