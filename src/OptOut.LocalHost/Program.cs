using OptOut.LocalHost;

var app = LocalHostApp.Build(args);
await app.StartAsync();
LocalHostApp.PrintWelcome(app);
await app.WaitForShutdownAsync();

/// <summary>Entry point (public so WebApplicationFactory-based tests can boot the host).</summary>
public partial class Program;
