namespace Recurrent.Host.Tests.Support;

/// <summary>The repository the tests run from, for the files they check that ship beside the code (dashboards, rules).</summary>
internal static class Repository
{
    /// <summary>The folder holding Diagnostics.sln, above the test's own binaries.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diagnostics.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("the repository root (Diagnostics.sln) is not above " + AppContext.BaseDirectory);
    }
}
