namespace OptOut.Infra.Tests;

/// <summary>Paths in the repository, found by walking up from the test assembly to the folder with OptOutFunctions.sln.</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string File(params string[] relative) => Path.Combine([Root, .. relative]);

    public static string Read(params string[] relative) => System.IO.File.ReadAllText(File(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "OptOutFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No OptOutFunctions.sln above {AppContext.BaseDirectory}.");
    }
}
