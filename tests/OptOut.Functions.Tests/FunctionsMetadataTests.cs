using System.Reflection;
using System.Text.Json;
using OptOut.Api;

namespace OptOut.Functions.Tests;

/// <summary>
/// Reads the functions.metadata the Functions SDK generated at build time (what the Functions host indexes) and checks
/// every function's trigger, route, methods and auth level: the contract of <see cref="OptOut.Api.Routes"/>, as Azure will see it.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(Load);

    /// <summary>Every route of the shared route table, as the Functions SDK must have generated it.</summary>
    public static TheoryData<string> HttpFunctions => new(Routes.All.Select(r => r.Name));

    /// <summary>Every portal page of the shared route table (docs/portal.md).</summary>
    public static TheoryData<string> PortalFunctions => new(Routes.Pages.Select(r => r.Name));

    [Fact]
    public void Every_function_is_declared_and_nothing_else()
    {
        Assert.Equal(
            new[]
            {
                "AddSeekerToOfficeActivity", "CreateCase", "EscalateStaleCases", "GetCase", "Health", "IntakeFromQueue", "ListCases",
                "OpenApi", "OptOutCaseOrchestrator", "OptOutLookupActivity", "PortalAsset", "PortalCase", "PortalHome", "PortalOpen", "PurgeClosedCases",
                "RecordDecision", "SearchSeekerActivity", "SendNotificationActivity", "ShowDecision", "SweepPoisonIntake", "WithdrawCase",
            },
            Functions.Value.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void Http_functions_have_the_route_tables_route_methods_and_auth_level(string name)
    {
        var route = Routes.All.Single(r => r.Name == name);
        var trigger = Trigger(name, "httpTrigger");
        Assert.Equal(route.Route, trigger.GetProperty("route").GetString());
        // Anonymous to the host: the app resolves the caller of case routes (sign-in or its own integration keys, docs/access.md).
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(
            route.Methods.Select(m => m.ToLowerInvariant()).Order(StringComparer.Ordinal),
            trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order(StringComparer.Ordinal));
        // Every route reaches the durable engine but the OpenAPI document, which is built from code alone.
        Assert.Equal(name != Routes.Names.OpenApi, Bindings(name).Any(b => b.GetProperty("type").GetString() == "durableClient"));
    }

    [Theory]
    [MemberData(nameof(PortalFunctions))]
    public void Portal_pages_have_the_route_tables_route_and_methods_and_are_anonymous_to_the_host(string name)
    {
        var route = Routes.Pages.Single(r => r.Name == name);
        var trigger = Trigger(name, "httpTrigger");
        Assert.Equal(route.Route, trigger.GetProperty("route").GetString());
        // The page asks for a signed-in person itself (Easy Auth's principal) and redirects to sign in otherwise.
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(
            route.Methods.Select(m => m.ToLowerInvariant()).Order(StringComparer.Ordinal),
            trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_http_functions_are_exactly_the_route_tables_api_routes_and_portal_pages()
    {
        var http = Functions.Value.Keys.Where(n => Bindings(n).Any(b => b.GetProperty("type").GetString() == "httpTrigger"));
        Assert.Equal(Routes.All.Concat(Routes.Pages).Select(r => r.Name).Order(StringComparer.Ordinal), http.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_http_function_is_anonymous_to_the_host_the_app_resolves_its_callers()
    {
        // The host cannot tell which key matched, so the app checks integration keys and the signed-in person itself (CallerResolver).
        var levels = Functions.Value.Keys
            .SelectMany(n => Bindings(n).Where(b => b.GetProperty("type").GetString() == "httpTrigger").Select(b => (Name: n, Level: b.GetProperty("authLevel").GetString())))
            .ToList();
        Assert.Equal(Routes.All.Count + Routes.Pages.Count, levels.Count);
        Assert.All(levels, f => Assert.True(f.Level == "Anonymous", $"{f.Name} is {f.Level}"));
        Assert.Equal(
            [Routes.Names.CreateCase, Routes.Names.GetCase, Routes.Names.ListCases, Routes.Names.WithdrawCase],
            Routes.All.Where(r => r.RequiresCaller).Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("OptOutCaseOrchestrator", "orchestrationTrigger")]
    [InlineData("SearchSeekerActivity", "activityTrigger")]
    [InlineData("AddSeekerToOfficeActivity", "activityTrigger")]
    [InlineData("OptOutLookupActivity", "activityTrigger")]
    [InlineData("SendNotificationActivity", "activityTrigger")]
    public void Durable_functions_have_their_triggers(string name, string triggerType)
    {
        var bindings = Bindings(name);
        Assert.Equal(triggerType, Assert.Single(bindings).GetProperty("type").GetString());
    }

    [Fact]
    public void Queue_intake_reads_optout_intake_and_writes_rejections_to_optout_intake_rejected()
    {
        Assert.Equal("optout-intake", Trigger("IntakeFromQueue", "queueTrigger").GetProperty("queueName").GetString());
        var output = Assert.Single(Bindings("IntakeFromQueue"), b => b.GetProperty("type").GetString() == "queue");
        Assert.Equal("Out", output.GetProperty("direction").GetString());
        Assert.Equal("optout-intake-rejected", output.GetProperty("queueName").GetString());
    }

    [Fact]
    public void Stale_case_escalation_runs_on_the_schedule_from_settings()
    {
        Assert.Equal("%EscalationScanSchedule%", Trigger("EscalateStaleCases", "timerTrigger").GetProperty("schedule").GetString());
    }

    [Fact]
    public void Closed_case_purge_runs_on_the_schedule_from_settings_with_a_durable_client()
    {
        Assert.Equal("%PurgeSchedule%", Trigger("PurgeClosedCases", "timerTrigger").GetProperty("schedule").GetString());
        Assert.Contains(Bindings("PurgeClosedCases"), b => b.GetProperty("type").GetString() == "durableClient");
    }

    [Fact]
    public void Sample_settings_declare_the_purge_schedule_and_retention()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "local.settings.sample.json")));
        var values = doc.RootElement.GetProperty("Values");
        Assert.False(string.IsNullOrWhiteSpace(values.GetProperty("PurgeSchedule").GetString()));
        Assert.True(int.Parse(values.GetProperty("Retention__CompletedCaseDays").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    private static JsonElement Trigger(string function, string type)
    {
        var binding = Assert.Single(Bindings(function), b => b.GetProperty("type").GetString() == type);
        Assert.Equal("In", binding.GetProperty("direction").GetString());
        return binding;
    }

    private static JsonElement[] Bindings(string function)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var f), $"functions.metadata has no function {function}.");
        return [.. f.GetProperty("bindings").EnumerateArray()];
    }

    /// <summary>The functions.metadata of the Functions app's own build output (the folder that is deployed).</summary>
    internal static string MetadataPath()
    {
        var configuration = typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        return Path.Combine(RepoRoot(), "src", "OptOut.Functions", "bin", configuration, "net10.0", "functions.metadata");
    }

    private static Dictionary<string, JsonElement> Load()
    {
        var path = MetadataPath();
        Assert.True(File.Exists(path), $"Expected the Functions SDK to generate {path} when the test project builds.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OptOutFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root (OptOutFunctions.sln) not found.");
    }
}
