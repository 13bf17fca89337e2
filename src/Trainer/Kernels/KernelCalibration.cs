using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The one kernel choice that cache sizes do not settle: from which k-stride on copying a transposed A into row tiles
/// pays for the copy (it reads A with the same strides the tiles would, so it depends on how the CPU's caches and
/// prefetchers take them, and on how many column panels share the copy). Both ways are timed once per machine on
/// first use, alternating, at the weight-gradient shapes of H = 512, 256 and 128, and the verdict kept in
/// <see cref="CacheFile"/> under a key naming the CPU, its caches and the vector width, so a different machine (or
/// a copied home directory) measures again. The file keeps one verdict per key: an AVX-512 CPU run both ways
/// (DOTNET_EnableAVX512=0) keeps both, where one verdict overwrote the other and every change of width measured
/// again. A verdict whose rounds were too unsteady to trust (a busy machine) serves its process but is not kept.
/// RECURRENT_KERNEL_CALIBRATION=off skips it (A is then read in place).
/// </summary>
internal static class KernelCalibration
{
    private const string FormatVersion = "6";

    /// <summary>Packing must be this much faster (fastest of the alternating rounds) to be chosen.</summary>
    private const double RequiredGain = 1.05;

    /// <summary>A verdict is kept only where each way's median round took at most this much longer than its fastest:
    /// on the Intel Xeon with three other processes building (load average 16–27 on 2 cores) the medians swung 1.5–4×
    /// and the verdict with them (packing from 2 KiB, from 8 KiB, never), in runs minutes apart.</summary>
    private const double SteadySpread = 1.25;

    /// <summary>Verdicts the file keeps (one per key: CPU, caches, vector width, runtime).</summary>
    private const int KeptVerdicts = 8;

    public static string CacheFile { get; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
        "recurrent", "kernel-calibration.txt");

    /// <summary>The plan with the calibrated choice, and a sentence saying where it came from.</summary>
    public static (KernelPlan Plan, string Origin) Apply(KernelPlan plan)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("RECURRENT_KERNEL_CALIBRATION"), "off", StringComparison.OrdinalIgnoreCase))
            return (plan, "not calibrated (RECURRENT_KERNEL_CALIBRATION=off)");
        // With tiered compilation the first calls run unoptimised code, and a verdict timed on them would be kept
        // for the machine: one such verdict had the packed way at 174 ms against 40 ms in place, 2.3x slower than
        // `recurrent bench --kernels` measures it. A process that tiers (tests, a library's host) reads a verdict
        // but does not make one; the recurrent executable, fully optimised from the first call, makes it.
        if (Tiered && TryRead(CacheFile, MachineKey(plan)) is not { } stored)
            return (plan, "not calibrated (tiered compilation in this process: first calls would time the JIT)");
        return Apply(plan, CacheFile);
    }

    // Whether this process compiles methods in tiers (the runtime's default), from its configuration or environment.
    private static bool Tiered =>
        (!AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out var enabled) || enabled) &&
        Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") != "0" &&
        Environment.GetEnvironmentVariable("COMPlus_TieredCompilation") != "0";

    /// <summary>The same with the verdict kept in <paramref name="file"/> (tests), even an unsteady one where
    /// <paramref name="keepUnsteady"/> (tests run beside builds).</summary>
    internal static (KernelPlan Plan, string Origin) Apply(KernelPlan plan, string file, bool keepUnsteady = false)
    {
        var key = MachineKey(plan);
        if (TryRead(file, key) is { } stored)
            return (plan with { PackTransposedAFromStrideBytes = stored.FromStride }, $"calibrated earlier ({stored.Note}; {file})");
        var notes = new List<string>();
        var fromStride = long.MaxValue;
        var steady = true;
        // From the widest stride down: packing is chosen from the narrowest stride at which it still wins. Each
        // stride is timed at the shape of one thread's half of a weight-gradient product: the LSTM's at H = 512, 256
        // and 128 (2H rows of ∂L/∂zᵀ by the columns of [x_t | h_{t-1}] where it runs the joint product, JointColumns,
        // else of h_{t-1}), then the GRU's and the tanh RNN's at H = 128, whose narrower strides (3H and H floats)
        // were never timed before: on the Intel Xeon (AVX2 path) packing took 0.80×, 0.80× and 0.83× the time at
        // 2 KiB, 1.5 KiB and 512 B (thread CPU time, fastest of 15 alternating rounds). The width decides the verdict
        // too: at H = 128 (AVX2 EPYC) packing took 0.94× the time at the joint product's 160 columns and 1.04× at
        // dW_hh's 128.
        foreach (var (name, stride, columns) in new[]
                 {
                     ("H = 512", 4 * 512, JointColumns(plan, 512)), ("H = 256", 4 * 256, JointColumns(plan, 256)),
                     ("H = 128", 4 * 128, JointColumns(plan, 128)), ("GRU H = 128", 3 * 128, JointColumns(plan, 128)),
                     ("RNN H = 128", 128, 128),
                 })
        {
            var (packed, inPlace) = Measure(plan, rows: stride / 2, columns: columns, stride: stride);
            var bytes = stride * sizeof(float);
            var strideText = bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} B";
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name} (k-stride {strideText}): packed {packed.Fastest:F0} us, in place {inPlace.Fastest:F0} us"));
            steady &= packed.Median <= SteadySpread * packed.Fastest && inPlace.Median <= SteadySpread * inPlace.Fastest;
            if (inPlace.Fastest / packed.Fastest < RequiredGain)
                break;
            fromStride = bytes;
        }
        var note = string.Join(", ", notes) + " (fastest of alternating rounds)";
        if (!steady && !keepUnsteady)
            return (plan with { PackTransposedAFromStrideBytes = fromStride },
                $"calibrated now, not kept: rounds too unsteady, the machine is busy ({note})");
        TryWrite(file, key, fromStride, note);
        return (plan with { PackTransposedAFromStrideBytes = fromStride }, $"calibrated now ({note})");
    }

    // The width of [x_t | h_{t-1}] for inputs of up to two panels (I ≤ 32 at 16-column panels), padded to whole panels,
    // where that row fits one depth block (the training pass then runs the joint product); H otherwise.
    private static int JointColumns(KernelPlan plan, int hidden)
    {
        var joint = (hidden + plan.PanelWidth - 1) / plan.PanelWidth * plan.PanelWidth + Math.Max(32, plan.PanelWidth);
        return joint <= plan.DepthBlock ? joint : hidden;
    }

    // Σ ∂L/∂zᵀ·h over 512 stacked steps: `rows` rows of A whose elements of one k are `stride` floats apart. At most
    // 0.5 GFLOP a product; all rounds take some tens of milliseconds, once per machine. Each way's fastest round (a
    // busy machine only ever lengthens a round) decides; its median says how steady the rounds were.
    private static ((double Fastest, double Median) Packed, (double Fastest, double Median) InPlace) Measure(
        KernelPlan plan, int rows, int columns, int stride)
    {
        const int k = 512, rounds = 7;
        var a = new float[k * stride];
        var b = new float[k * columns];
        var c = new float[rows * columns];
        for (var i = 0; i < a.Length; i++)
            a[i] = (i % 7 - 3) * 0.25f;
        for (var i = 0; i < b.Length; i++)
            b[i] = (i % 5 - 2) * 0.5f;
        double Time(KernelPlan candidate)
        {
            // The machine's own width, even when the first use comes from a test that forces the 256-bit kernels.
            var forced = VectorWidth.Force256;
            VectorWidth.Force256 = false;
            try
            {
                using var scope = KernelPlan.Use(candidate);
                var start = Stopwatch.GetTimestamp();
                Gemm.Multiply(new MatrixView(a, rows, k, 1, stride), MatrixView.RowMajor(b, k, columns),
                    new MatrixSpan(c, rows, columns), accumulate: false);
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            finally
            {
                VectorWidth.Force256 = forced;
            }
        }
        KernelPlan packedPlan = plan with { PackTransposedAFromStrideBytes = 0 },
            inPlacePlan = plan with { PackTransposedAFromStrideBytes = long.MaxValue };
        Time(packedPlan);
        Time(inPlacePlan);
        var packed = new double[rounds];
        var inPlace = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            packed[r] = Time(packedPlan);
            inPlace[r] = Time(inPlacePlan);
        }
        Array.Sort(packed);
        Array.Sort(inPlace);
        return ((packed[0], packed[rounds / 2]), (inPlace[0], inPlace[rounds / 2]));
    }

    private static string MachineKey(KernelPlan plan) => string.Join(';',
        $"format={FormatVersion}", $"cpu={CpuModel()}", $"l1d={plan.Caches.L1DataBytes}", $"l2={plan.Caches.L2Bytes}",
        $"vector={(Vector512.IsHardwareAccelerated ? 512 : 256)}", $"runtime={Environment.Version}");

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal))
                    return line[(line.IndexOf(':') + 1)..].Trim().Replace(';', ',');
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return $"{Environment.ProcessorCount} CPUs";
    }

    // The file: one entry of three lines per key: the key, then pack_from_stride_bytes=N (or never), then a note of
    // the timings.
    private static (long FromStride, string Note)? TryRead(string file, string key)
    {
        const string prefix = "pack_from_stride_bytes=";
        foreach (var (entryKey, verdict, note) in ReadEntries(file))
        {
            if (entryKey != key || !verdict.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            var value = verdict[prefix.Length..];
            if (value == "never")
                return (long.MaxValue, note);
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? (bytes, note) : null;
        }
        return null;
    }

    private static List<(string Key, string Verdict, string Note)> ReadEntries(string file)
    {
        var entries = new List<(string, string, string)>();
        try
        {
            if (!File.Exists(file))
                return entries;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i + 2 < lines.Length; i += 3)
                entries.Add((lines[i], lines[i + 1], lines[i + 2]));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return entries;
    }

    // Replaces (or adds) this key's entry and keeps the others, newest first; the oldest beyond KeptVerdicts go.
    private static void TryWrite(string file, string key, long fromStride, string note)
    {
        try
        {
            var verdict = "pack_from_stride_bytes=" + (fromStride == long.MaxValue ? "never" : fromStride.ToString(CultureInfo.InvariantCulture));
            var entries = ReadEntries(file).Where(entry => entry.Key != key && entry.Key.StartsWith($"format={FormatVersion};", StringComparison.Ordinal))
                .Take(KeptVerdicts - 1).Prepend((Key: key, Verdict: verdict, Note: note));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temporary = file + "." + Environment.ProcessId + ".tmp";
            File.WriteAllLines(temporary, entries.SelectMany(entry => new[] { entry.Key, entry.Verdict, entry.Note }));
            File.Move(temporary, file, overwrite: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
