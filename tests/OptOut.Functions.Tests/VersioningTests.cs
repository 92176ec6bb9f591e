using System.Text.Json;
using OptOut.Workflow.Orchestration;

namespace OptOut.Functions.Tests;

/// <summary>
/// In Azure the Functions host's Durable extension runs the worker: host.json must name the version this build runs,
/// take cases of that version and older, and leave a newer case untouched (a slot or instance not yet updated).
/// </summary>
public sealed class VersioningTests
{
    [Fact]
    public void Host_json_runs_the_current_orchestrator_version_and_rejects_newer_cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsMetadataTests.RepoRoot(), "src", "OptOut.Functions", "host.json")));
        var durable = doc.RootElement.GetProperty("extensions").GetProperty("durableTask");
        Assert.Equal(OrchestratorVersions.Current, durable.GetProperty("defaultVersion").GetString());
        Assert.Equal("CurrentOrOlder", durable.GetProperty("versionMatchStrategy").GetString());
        Assert.Equal("Reject", durable.GetProperty("versionFailureStrategy").GetString());
    }

    [Fact]
    public void New_cases_start_with_the_current_version_unless_a_roll_out_holds_it_back()
    {
        Assert.Equal(OrchestratorVersions.Current, new WorkflowOptions().OrchestrationVersion);
        Assert.Empty(new WorkflowOptions().Problems());
        Assert.Contains(new WorkflowOptions { OrchestrationVersion = "4" }.Problems(), p => p.Contains("OrchestrationVersion", StringComparison.Ordinal));
    }
}
