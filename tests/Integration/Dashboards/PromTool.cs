namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>The real Prometheus binaries from Debian's package; a missing one fails the test rather than skipping it.</summary>
internal static class PromTool
{
    public const string PromToolPath = "/usr/bin/promtool";
    public const string PrometheusPath = "/usr/bin/prometheus";

    public static string Require(string path)
    {
        if (!File.Exists(path))
            Assert.Fail($"{path} is missing: install Debian's prometheus package (scripts/setup.sh does).");
        return path;
    }

    public static (int ExitCode, string Output) Run(params string[] arguments) =>
        ExternalProcess.Run(Require(PromToolPath), arguments, TimeSpan.FromSeconds(30));
}
