using System.Diagnostics;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>Runs the real <c>promtool check metrics</c>; a missing promtool fails the test rather than skipping it.</summary>
internal static class PromTool
{
    private const string Path = "/usr/bin/promtool";

    public static (int ExitCode, string Output) CheckMetrics(string exposition)
    {
        if (!File.Exists(Path))
            Assert.Fail($"{Path} is missing: install Debian's prometheus package (scripts/setup.sh does).");
        var start = new ProcessStartInfo(Path, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(exposition);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static void AssertClean(string exposition)
    {
        var (exitCode, output) = CheckMetrics(exposition);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool exit {exitCode}: {output}\n--- exposition ---\n{exposition}");
    }
}
