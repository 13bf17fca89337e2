using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Support;

/// <summary>
/// `recurrent` as a real child process that hears Ctrl+C, and the Ctrl+C tests' one way of sending it mid-step.
/// </summary>
internal static class RecurrentCommand
{
    public const int SigInt = 2;

    /// <summary>
    /// <c>dotnet recurrent.dll ARGUMENTS</c> with SIGINT at its default disposition. A test runner that a
    /// non-interactive shell started in the background ignores SIGINT (POSIX shells do that to background jobs), its
    /// children inherit that, and .NET, as POSIX programs do, leaves an inherited ignored SIGINT ignored: the run never
    /// hears Ctrl+C and trains to the end with exit code 0. <c>env --default-signal=INT</c> restores the default
    /// before it executes dotnet (the same process id).
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(ServiceProcess.RecurrentDll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["DOTNET_gcServer"] = "0";
        return info;
    }

    /// <summary>Whether the process ignores <paramref name="signal"/> (its bit in /proc/PID/status's SigIgn mask).</summary>
    public static bool Ignores(int pid, int signal)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << (signal - 1))) != 0;
    }

    /// <summary>
    /// Sends SIGINT once the first training step is well under way, whatever the machine's speed: its activations,
    /// written time step by time step, have added 600 MiB to what the process held when the data was loaded (weights,
    /// optimizer moments and the step's first buffers take under 300 MiB). Then waits for the exit, with a bound far
    /// above a time step (milliseconds) and far below what the step has left; the speed-independent evidence, that
    /// the step never completed, is the caller's to check.
    /// </summary>
    public static async Task InterruptFirstStep(Process process, long residentMiBWithData, Func<Task<string>> describe,
        ITestOutputHelper output)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (!process.HasExited && ProcessStatus.ResidentMiB(process.Id) < residentMiBWithData + 600)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first step never filled its activations");
            await Task.Delay(20);
        }
        if (process.HasExited)
            Assert.Fail($"recurrent train exited before the signal:\n{await describe()}");
        output.WriteLine($"resident {ProcessStatus.ResidentMiB(process.Id)} MiB ({residentMiBWithData} MiB with the data): the step is under way");
        Assert.False(Ignores(process.Id, SigInt), "recurrent train ignores SIGINT: it was started with SIGINT ignored");

        Assert.Equal(0, ServiceProcess.SendSignal(process.Id, SigInt));
        var clock = Stopwatch.StartNew();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"exited {clock.Elapsed.TotalMilliseconds:F0} ms after SIGINT with {process.ExitCode}");
    }
}
