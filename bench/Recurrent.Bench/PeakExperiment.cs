using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Bench;

/// <summary>
/// RECURRENT_EXPERIMENT=peak: this core's FMA peak, to say what share of it a product reaches. Pure FMA loops with 8,
/// 12 and 16 independent accumulators (an FMA's latency is 4 cycles, so a core with two FMA units needs at least 8
/// chains in flight) of Vector256 and Vector512, on one thread and on two (one per core), in alternating rounds, each
/// timed by wall clock and by the threads' CPU time; and dependent add chains (4-cycle latency on Intel since Skylake)
/// of a scalar, a Vector256 and a Vector512, whose rate × 4 is the clock each width runs at. EXP_ROUNDS rounds
/// (7), EXP_MS milliseconds per run (60).
/// </summary>
internal static class PeakExperiment
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec time);
    struct TimeSpec { public long Seconds; public long Nanoseconds; }
    static double ThreadCpuSeconds() { ClockGetTime(3, out var t); return t.Seconds + t.Nanoseconds / 1e9; }

    public static void Run()
    {
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "7");
        var milliseconds = double.Parse(Environment.GetEnvironmentVariable("EXP_MS") ?? "60");
        Console.WriteLine($"Vector512 hardware accelerated: {Vector512.IsHardwareAccelerated}");
        // (name, FLOP or adds per iteration, loop); a chain's "FLOP" is one add per iteration.
        var ways = new List<(string Name, double PerIteration, Func<long, float, float> Loop, bool Chain)>
        {
            ("256-bit FMA x 8", 8 * 8 * 2, Fma256x8, false),
            ("256-bit FMA x 12", 12 * 8 * 2, Fma256x12, false),
            ("256-bit FMA x 16", 16 * 8 * 2, Fma256x16, false),
            ("scalar add chain", 1, AddChainScalar, true),
            ("256-bit add chain", 1, AddChain256, true),
        };
        if (Vector512.IsHardwareAccelerated)
            ways.AddRange(new (string, double, Func<long, float, float>, bool)[]
            {
                ("512-bit FMA x 8", 8 * 16 * 2, Fma512x8, false),
                ("512-bit FMA x 12", 12 * 16 * 2, Fma512x12, false),
                ("512-bit FMA x 16", 16 * 16 * 2, Fma512x16, false),
                ("512-bit add chain", 1, AddChain512, true),
            });
        // Iterations per run from a first timing, so every run takes about EXP_MS.
        var iterations = new long[ways.Count];
        for (var i = 0; i < ways.Count; i++)
        {
            ways[i].Loop(1000, 1);
            var s = Stopwatch.GetTimestamp();
            ways[i].Loop(1_000_000, 1);
            var seconds = Stopwatch.GetElapsedTime(s).TotalSeconds;
            iterations[i] = (long)(1_000_000 * milliseconds / 1e3 / seconds);
        }
        var threadCounts = new[] { 1, Math.Min(2, Environment.ProcessorCount) }.Distinct().ToArray();
        // [way, threads] -> per run: wall-clock rate and CPU-time rate (per thread, summed over threads).
        var wall = new List<double>[ways.Count, threadCounts.Length];
        var cpu = new List<double>[ways.Count, threadCounts.Length];
        for (var i = 0; i < ways.Count; i++)
            for (var t = 0; t < threadCounts.Length; t++) { wall[i, t] = new(); cpu[i, t] = new(); }
        var sink = 0f;
        for (var r = 0; r < rounds; r++)
            for (var i = 0; i < ways.Count; i++)
                for (var t = 0; t < threadCounts.Length; t++)
                {
                    var (w, c, x) = Time(ways[i].Loop, iterations[i], threadCounts[t]);
                    sink += x;
                    var work = iterations[i] * ways[i].PerIteration * threadCounts[t];
                    wall[i, t].Add(work / w);
                    cpu[i, t].Add(work / c);
                }
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {rounds} rounds, ~{milliseconds} ms a run (checksum {sink:G3})");
        for (var i = 0; i < ways.Count; i++)
            for (var t = 0; t < threadCounts.Length; t++)
            {
                var unit = ways[i].Chain ? "G adds/s" : "GFLOP/s";
                var wa = wall[i, t].Order().ToArray();
                var cp = cpu[i, t].Order().ToArray();
                var clock = ways[i].Chain ? $"  => clock {4 * cp[^1] / 1e9 / threadCounts[t]:F2} GHz (thread CPU, best), {4 * cp[cp.Length / 2] / 1e9 / threadCounts[t]:F2} (median)" : "";
                Console.WriteLine($"  {ways[i].Name,-20} {threadCounts[t]} thr  {unit} wall: best {wa[^1] / 1e9,7:F2} median {wa[wa.Length / 2] / 1e9,7:F2}   thread CPU: best {cp[^1] / 1e9,7:F2} median {cp[cp.Length / 2] / 1e9,7:F2}{clock}");
            }
    }

    // Runs the loop on `threads` threads at once; returns the wall-clock seconds, the threads' CPU seconds divided by
    // the thread count (so work / it is the rate the threads would reach if each had its core alone) and a checksum.
    static (double Wall, double Cpu, float Sum) Time(Func<long, float, float> loop, long iterations, int threads)
    {
        var cpuSeconds = new double[threads];
        var sums = new float[threads];
        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var id = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                var c0 = ThreadCpuSeconds();
                sums[id] = loop(iterations, id + 1);
                cpuSeconds[id] = ThreadCpuSeconds() - c0;
            });
            workers[t].Start();
        }
        start.SignalAndWait();
        var s = Stopwatch.GetTimestamp();
        foreach (var w in workers) w.Join();
        return (Stopwatch.GetElapsedTime(s).TotalSeconds, cpuSeconds.Sum() / threads, sums.Sum());
    }

    // One dependent chain of adds: each waits for the one before, so the rate is the clock over the add's latency.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float AddChainScalar(long iterations, float seed)
    {
        var c = seed;
        for (var i = 0L; i < iterations; i++) c += 1e-7f;
        return c;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float AddChain256(long iterations, float seed)
    {
        var c = Vector256.Create(seed);
        var a = Vector256.Create(1e-7f);
        for (var i = 0L; i < iterations; i++) c += a;
        return Vector256.Sum(c);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float AddChain512(long iterations, float seed)
    {
        var c = Vector512.Create(seed);
        var a = Vector512.Create(1e-7f);
        for (var i = 0L; i < iterations; i++) c += a;
        return Vector512.Sum(c);
    }

    // 8 independent FMA chains of Vector256<float>: acc_j = acc_j·m + a, every iteration 8 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma256x8(long iterations, float seed)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-6f);
        var c0 = Vector256.Create(seed + 0);
        var c1 = Vector256.Create(seed + 1);
        var c2 = Vector256.Create(seed + 2);
        var c3 = Vector256.Create(seed + 3);
        var c4 = Vector256.Create(seed + 4);
        var c5 = Vector256.Create(seed + 5);
        var c6 = Vector256.Create(seed + 6);
        var c7 = Vector256.Create(seed + 7);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a);
            c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a);
            c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a);
            c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a);
            c7 = Vector256.FusedMultiplyAdd(c7, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
    }

    // 12 independent FMA chains of Vector256<float>: acc_j = acc_j·m + a, every iteration 12 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma256x12(long iterations, float seed)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-6f);
        var c0 = Vector256.Create(seed + 0);
        var c1 = Vector256.Create(seed + 1);
        var c2 = Vector256.Create(seed + 2);
        var c3 = Vector256.Create(seed + 3);
        var c4 = Vector256.Create(seed + 4);
        var c5 = Vector256.Create(seed + 5);
        var c6 = Vector256.Create(seed + 6);
        var c7 = Vector256.Create(seed + 7);
        var c8 = Vector256.Create(seed + 8);
        var c9 = Vector256.Create(seed + 9);
        var c10 = Vector256.Create(seed + 10);
        var c11 = Vector256.Create(seed + 11);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a);
            c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a);
            c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a);
            c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a);
            c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a);
            c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a);
            c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    // 16 independent FMA chains of Vector256<float>: acc_j = acc_j·m + a, every iteration 16 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma256x16(long iterations, float seed)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-6f);
        var c0 = Vector256.Create(seed + 0);
        var c1 = Vector256.Create(seed + 1);
        var c2 = Vector256.Create(seed + 2);
        var c3 = Vector256.Create(seed + 3);
        var c4 = Vector256.Create(seed + 4);
        var c5 = Vector256.Create(seed + 5);
        var c6 = Vector256.Create(seed + 6);
        var c7 = Vector256.Create(seed + 7);
        var c8 = Vector256.Create(seed + 8);
        var c9 = Vector256.Create(seed + 9);
        var c10 = Vector256.Create(seed + 10);
        var c11 = Vector256.Create(seed + 11);
        var c12 = Vector256.Create(seed + 12);
        var c13 = Vector256.Create(seed + 13);
        var c14 = Vector256.Create(seed + 14);
        var c15 = Vector256.Create(seed + 15);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a);
            c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a);
            c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a);
            c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a);
            c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a);
            c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a);
            c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            c12 = Vector256.FusedMultiplyAdd(c12, m, a);
            c13 = Vector256.FusedMultiplyAdd(c13, m, a);
            c14 = Vector256.FusedMultiplyAdd(c14, m, a);
            c15 = Vector256.FusedMultiplyAdd(c15, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

    // 8 independent FMA chains of Vector512<float>: acc_j = acc_j·m + a, every iteration 8 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma512x8(long iterations, float seed)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-6f);
        var c0 = Vector512.Create(seed + 0);
        var c1 = Vector512.Create(seed + 1);
        var c2 = Vector512.Create(seed + 2);
        var c3 = Vector512.Create(seed + 3);
        var c4 = Vector512.Create(seed + 4);
        var c5 = Vector512.Create(seed + 5);
        var c6 = Vector512.Create(seed + 6);
        var c7 = Vector512.Create(seed + 7);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a);
            c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a);
            c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a);
            c7 = Vector512.FusedMultiplyAdd(c7, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
    }

    // 12 independent FMA chains of Vector512<float>: acc_j = acc_j·m + a, every iteration 12 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma512x12(long iterations, float seed)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-6f);
        var c0 = Vector512.Create(seed + 0);
        var c1 = Vector512.Create(seed + 1);
        var c2 = Vector512.Create(seed + 2);
        var c3 = Vector512.Create(seed + 3);
        var c4 = Vector512.Create(seed + 4);
        var c5 = Vector512.Create(seed + 5);
        var c6 = Vector512.Create(seed + 6);
        var c7 = Vector512.Create(seed + 7);
        var c8 = Vector512.Create(seed + 8);
        var c9 = Vector512.Create(seed + 9);
        var c10 = Vector512.Create(seed + 10);
        var c11 = Vector512.Create(seed + 11);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a);
            c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a);
            c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a);
            c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a);
            c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a);
            c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    // 16 independent FMA chains of Vector512<float>: acc_j = acc_j·m + a, every iteration 16 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma512x16(long iterations, float seed)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-6f);
        var c0 = Vector512.Create(seed + 0);
        var c1 = Vector512.Create(seed + 1);
        var c2 = Vector512.Create(seed + 2);
        var c3 = Vector512.Create(seed + 3);
        var c4 = Vector512.Create(seed + 4);
        var c5 = Vector512.Create(seed + 5);
        var c6 = Vector512.Create(seed + 6);
        var c7 = Vector512.Create(seed + 7);
        var c8 = Vector512.Create(seed + 8);
        var c9 = Vector512.Create(seed + 9);
        var c10 = Vector512.Create(seed + 10);
        var c11 = Vector512.Create(seed + 11);
        var c12 = Vector512.Create(seed + 12);
        var c13 = Vector512.Create(seed + 13);
        var c14 = Vector512.Create(seed + 14);
        var c15 = Vector512.Create(seed + 15);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a);
            c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a);
            c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a);
            c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a);
            c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a);
            c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a);
            c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a);
            c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

}
