using System.Globalization;

namespace Recurrent.Host.Tests.Support;

/// <summary>What /proc says of a child process: its resident memory and the CPU it has spent.</summary>
internal static class ProcessStatus
{
    public static long ResidentMiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

    // utime + stime of the process, fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s.
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
