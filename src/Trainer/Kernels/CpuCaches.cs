using System.Globalization;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The data caches one core of the machine gives a thread, as Linux describes them in
/// /sys/devices/system/cpu/cpu0/cache (a cache shared by several CPUs counts as its share). Where that is missing
/// (another OS, a container hiding it), the sizes of the AMD EPYC the kernels were first tuned on stand in.
/// </summary>
internal sealed record CpuCaches(int L1DataBytes, int L2Bytes, int L3Bytes, string Source)
{
    public const string SysfsRoot = "/sys/devices/system/cpu/cpu0/cache";

    /// <summary>48 KiB L1d, 1 MiB L2, 16 MiB of L3 per core: the figures the kernels were tuned with.</summary>
    public static CpuCaches Assumed { get; } = new(48 << 10, 1 << 20, 16 << 20, "assumed (no cache description found)");

    /// <summary>Reads index*/level, type, size and shared_cpu_list under <paramref name="root"/>.</summary>
    public static CpuCaches Detect(string root = SysfsRoot)
    {
        try
        {
            if (!Directory.Exists(root))
                return Assumed;
            int l1 = 0, l2 = 0, l3 = 0;
            foreach (var index in Directory.GetDirectories(root, "index*"))
            {
                var type = ReadText(index, "type");
                if (type is not ("Data" or "Unified"))
                    continue;
                if (!int.TryParse(ReadText(index, "level"), NumberStyles.None, CultureInfo.InvariantCulture, out var level))
                    continue;
                var bytes = ParseSize(ReadText(index, "size")) / Math.Max(1, CountCpus(ReadText(index, "shared_cpu_list")));
                switch (level)
                {
                    case 1: l1 = (int)Math.Min(bytes, int.MaxValue); break;
                    case 2: l2 = (int)Math.Min(bytes, int.MaxValue); break;
                    case 3: l3 = (int)Math.Min(bytes, int.MaxValue); break;
                }
            }
            if (l1 == 0 || l2 == 0)
                return Assumed;
            return new CpuCaches(l1, l2, l3, root);
        }
        catch (IOException)
        {
            return Assumed;
        }
        catch (UnauthorizedAccessException)
        {
            return Assumed;
        }
    }

    private static string ReadText(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    /// <summary>"48K", "2048K", "32M" or a plain byte count; 0 when unreadable.</summary>
    internal static long ParseSize(string text)
    {
        if (text.Length == 0)
            return 0;
        var unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        var digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value * unit : 0;
    }

    /// <summary>How many CPUs a list such as "0", "0-1" or "0,2,4-7" names.</summary>
    internal static int CountCpus(string list)
    {
        var count = 0;
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
                count++;
            else if (int.TryParse(part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var low) &&
                     int.TryParse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var high) && high >= low)
                count += high - low + 1;
        }
        return count;
    }
}
