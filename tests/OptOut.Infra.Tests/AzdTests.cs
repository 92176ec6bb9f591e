namespace OptOut.Infra.Tests;

/// <summary>azure.yaml wires `azd up` to infra/ and the Functions project.</summary>
public sealed class AzdTests
{
    [Fact]
    public void Azure_yaml_deploys_the_functions_project_from_infra()
    {
        var yaml = Repo.Read("azure.yaml");

        Assert.Matches(@"(?m)^name:\s*optout-case-automation\s*$", yaml);
        Assert.Matches(@"(?m)^infra:\s*$", yaml);
        Assert.Matches(@"(?m)^\s+path:\s*infra\s*$", yaml);
        Assert.Matches(@"(?m)^\s+functions:\s*$", yaml);
        Assert.Matches(@"(?m)^\s+project:\s*\./src/OptOut\.Functions\s*$", yaml);
        Assert.Matches(@"(?m)^\s+language:\s*dotnet\s*$", yaml);
        Assert.Matches(@"(?m)^\s+host:\s*function\s*$", yaml);
        Assert.True(File.Exists(Repo.File("src", "OptOut.Functions", "OptOut.Functions.csproj")));
        Assert.True(File.Exists(Repo.File("infra", "main.parameters.json")));
    }

    [Fact]
    public void Deployment_guide_exists()
    {
        var guide = Repo.Read("docs", "deployment.md");

        Assert.Contains("azd up", guide, StringComparison.Ordinal);
        Assert.Contains("dotnet test tests/OptOut.Infra.Tests", guide, StringComparison.Ordinal);
    }
}
