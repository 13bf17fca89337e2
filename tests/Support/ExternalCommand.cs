using System.Diagnostics;
using Xunit;

namespace Recurrent.Testing;

/// <summary>A program run to completion by a test: it must exit 0, and its standard output is the result.</summary>
public static class ExternalCommand
{
    /// <summary>Runs <paramref name="program"/>; fails the test with its stderr unless it exits 0; returns its stdout.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr}");
        return stdout.Result;
    }
}
