using System.Xml.Linq;

namespace OptOut.Functions.Tests;

/// <summary>
/// What the production Functions app is built from: the workflow, its production adapters and the HTTP contract,
/// never the developer tools (the MIS simulator with its seeded participants, the dev mailbox, the SendGrid sink).
/// </summary>
public sealed class ProjectGraphTests
{
    [Fact]
    public void The_functions_app_does_not_reference_the_developer_tools_directly_or_through_another_project()
    {
        var graph = ProjectsReachableFrom(Path.Combine("src", "OptOut.Functions", "OptOut.Functions.csproj"));
        Assert.Contains("OptOut.Infrastructure", graph);
        Assert.Contains("OptOut.Workflow", graph);
        Assert.DoesNotContain("OptOut.DevTools", graph);
        Assert.DoesNotContain("OptOut.LocalHost", graph);
    }

    [Fact]
    public void The_functions_apps_build_output_what_is_deployed_has_no_developer_tools()
    {
        Assert.DoesNotContain("OptOut.DevTools", typeof(HttpFunctions).Assembly.GetReferencedAssemblies().Select(a => a.Name));
        var output = Path.GetDirectoryName(FunctionsMetadataTests.MetadataPath())!;
        Assert.True(File.Exists(Path.Combine(output, "OptOut.Functions.dll")), $"{output} is not the Functions app's build output.");
        Assert.False(File.Exists(Path.Combine(output, "OptOut.DevTools.dll")), "The Functions app's output must not ship the developer tools.");
    }

    [Fact]
    public void The_workflow_holds_no_adapter_packages()
    {
        var workflow = XDocument.Load(Path.Combine(FunctionsMetadataTests.RepoRoot(), "src", "OptOut.Workflow", "OptOut.Workflow.csproj"));
        var packages = workflow.Descendants("PackageReference").Select(p => (string?)p.Attribute("Include")).ToList();
        Assert.DoesNotContain("SendGrid", packages);
        Assert.DoesNotContain("Microsoft.Extensions.Http.Resilience", packages);
        Assert.DoesNotContain("Azure.Data.Tables", packages);
        Assert.Empty(workflow.Descendants("ProjectReference"));
    }

    private static HashSet<string> ProjectsReachableFrom(string relativePath)
    {
        var root = FunctionsMetadataTests.RepoRoot();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(root, relativePath)]);
        while (pending.TryPop(out var path))
        {
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, ((string)reference.Attribute("Include")!).Replace('\\', Path.DirectorySeparatorChar)));
                if (seen.Add(Path.GetFileNameWithoutExtension(target)))
                {
                    pending.Push(target);
                }
            }
        }

        return seen;
    }
}
