using OptOut.Testing;

namespace OptOut.EndToEnd.Tests;

/// <summary>
/// One local host for the end-to-end tests (<see cref="LocalHostServer"/>: in-process on 127.0.0.1 and a free port),
/// with its own SendGrid sink key and sender, and a supervisor wait long enough for a browser test on a busy machine.
/// </summary>
public sealed class LocalHostFixture : LocalHostServerFixture
{
    public const string FunctionKey = "e2e-function-key";
    public const string SendGridKey = "SG.e2e-sink-key";

    protected override LocalHostServerOptions Options() => new()
    {
        FunctionKey = FunctionKey,
        Settings = s =>
        {
            s["SendGrid:ApiKey"] = SendGridKey;
            s["SendGrid:FromEmail"] = "optout-automation@example.org";
            s["SendGrid:FromName"] = "Opt-Out Case Automation (e2e)";
            // Cases wait for the supervisor for as long as a browser test can take on a busy machine.
            s.SupervisorWait(TimeSpan.FromMinutes(2), escalateAfter: TimeSpan.FromMinutes(4), deadline: TimeSpan.FromMinutes(6));
        },
    };
}

[CollectionDefinition(Name)]
public sealed class LocalHostCollection : ICollectionFixture<LocalHostFixture>
{
    public const string Name = "Local host";
}
