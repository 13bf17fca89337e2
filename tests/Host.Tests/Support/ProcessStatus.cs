using System.Globalization;

namespace Recurrent.Host.Tests.Support;

/// <summary>What /proc says of a child process: its resident memory, its peak, and the CPU it has spent.</summary>
internal static class ProcessStatus
{
    /// <summary>Current and peak resident set size (VmRSS, VmHWM) of a process, in bytes.</summary>
    public static (long Rss, long Peak) Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        return (Kib(status, "VmRSS:") * 1024, Kib(status, "VmHWM:") * 1024);
    }

    /// <summary>Current resident set size (VmRSS) of a process, in MiB.</summary>
    public static long ResidentMiB(int pid) => Memory(pid).Rss >> 20;

    // utime + stime of the process, fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s.
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    // A "Key:   1234 kB" line of /proc/PID/status.
    private static long Kib(string[] status, string key) =>
        long.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
