using System.Diagnostics;
using Xunit;

namespace Recurrent.Testing;

/// <summary>
/// The real Prometheus binaries from Debian's package (<c>promtool</c>, <c>prometheus</c>); a missing one fails the
/// test rather than skipping it.
/// </summary>
public static class PromTool
{
    public const string PromToolPath = "/usr/bin/promtool";
    public const string PrometheusPath = "/usr/bin/prometheus";

    /// <summary>The path, failing the test when the binary is not installed.</summary>
    public static string Require(string path)
    {
        if (!System.IO.File.Exists(path))
            Assert.Fail($"{path} is missing: install Debian's prometheus package (scripts/setup.sh does).");
        return path;
    }

    /// <summary>Runs <c>promtool</c> with the arguments (and <paramref name="input"/> on its stdin); exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(IEnumerable<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo(Require(PromToolPath))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input ?? "");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promtool {string.Join(' ', start.ArgumentList)} did not finish within 30 s.");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs <c>promtool</c> with the arguments; exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments) => Run((IEnumerable<string>)arguments);

    /// <summary><c>promtool check metrics</c> on an exposition.</summary>
    public static (int ExitCode, string Output) CheckMetrics(string exposition) => Run(["check", "metrics"], exposition);

    /// <summary>Fails unless <c>promtool check metrics</c> accepts the exposition without a word.</summary>
    public static void AssertClean(string exposition)
    {
        var (exitCode, output) = CheckMetrics(exposition);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool exit {exitCode}: {output}\n--- exposition ---\n{exposition}");
    }
}
