using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>One local host, with the test defaults, shared by the tests of a class.</summary>
public sealed class LocalHostFixture : LocalHostServerFixture;
