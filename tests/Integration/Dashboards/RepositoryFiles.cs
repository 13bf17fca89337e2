namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>Paths of the repository's dashboard files and of the built `recurrent` next to the test assembly.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PrometheusDirectory => Path.Combine(Root, "dashboards", "prometheus");
    public static string PrometheusConfig => Path.Combine(PrometheusDirectory, "prometheus.yml");
    public static string Rules => Path.Combine(PrometheusDirectory, "rules.yml");
    public static string RulesTests => Path.Combine(PrometheusDirectory, "rules.test.yml");
    public static string TrainingDashboard => Path.Combine(Root, "dashboards", "grafana", "recurrent-training.json");

    /// <summary>
    /// recurrent.dll as copied next to this assembly by the project reference to src/Host, so it is always the
    /// build of the same configuration as the tests.
    /// </summary>
    public static string RecurrentDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "recurrent.dll");
            if (!File.Exists(path))
                Assert.Fail($"{path} is missing: tests/Integration references src/Host, whose build puts it there.");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diagnostics.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Diagnostics.sln above {AppContext.BaseDirectory}.");
    }
}
