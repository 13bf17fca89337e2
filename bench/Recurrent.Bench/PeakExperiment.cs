using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Bench;

/// <summary>
/// RECURRENT_EXPERIMENT=peak: this core's FMA peak, to say what share of it a product reaches. Pure FMA loops with 8,
/// 12 and 16 independent accumulators (an FMA's latency is 4 cycles, so a core with two FMA units needs at least 8
/// chains in flight) of Vector256 and Vector512, on one thread and on two (one per core), in alternating rounds, each
/// timed by wall clock and by the threads' CPU time; and dependent add chains (4-cycle latency on Intel since Skylake)
/// of a scalar, a Vector256 and a Vector512, whose rate × 4 is the clock each width runs at, alone and beside 16 FMA
/// chains of each width (the clock a core runs heavy 512-bit FMAs at may be lower); and the LSTM register tile's loop on data in L1d,
/// with B on 64-byte lines and 16 bytes off them. EXP_ROUNDS rounds
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
            ("256-bit FMA x 8", 8 * 8 * 2, Fma8<Vector256Ops, Vector256<float>>, false),
            ("256-bit FMA x 12", 12 * 8 * 2, Fma12<Vector256Ops, Vector256<float>>, false),
            ("256-bit FMA x 16", 16 * 8 * 2, Fma16<Vector256Ops, Vector256<float>>, false),
            ("scalar add chain", 1, AddChainScalar, true),
            ("256-bit add chain", 1, AddChain256, true),
            ("256-bit FMA x 16 + 3 adds", 3, Clocked<Vector256Ops, Vector256<float>>, true),
        };
        if (Vector512.IsHardwareAccelerated)
            ways.AddRange(new (string, double, Func<long, float, float>, bool)[]
            {
                ("512-bit FMA x 8", 8 * 16 * 2, Fma8<Vector512Ops, Vector512<float>>, false),
                ("512-bit FMA x 12", 12 * 16 * 2, Fma12<Vector512Ops, Vector512<float>>, false),
                ("512-bit FMA x 16", 16 * 16 * 2, Fma16<Vector512Ops, Vector512<float>>, false),
                ("512-bit add chain", 1, AddChain512, true),
                ("512-bit FMA x 16 + 3 adds", 3, Clocked<Vector512Ops, Vector512<float>>, true),
                ("gate tile, L1, aligned", 24 * 16 * 2, (n, _) => TileInL1(n, 0), false),
                ("gate tile, L1, +16 B", 24 * 16 * 2, (n, _) => TileInL1(n, 4), false),
                ("gate tile, W from L3", 24 * 16 * 2, (n, _) => TileFromL3(n, 0), false),
                ("gate tile, W from L3, +16 B", 24 * 16 * 2, (n, _) => TileFromL3(n, 4), false),
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
            // The streamed tile runs whole passes over W.
            if (ways[i].Name.Contains("L3"))
                iterations[i] = Math.Max(1, iterations[i] / StreamPass) * StreamPass;
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

    // 8 independent FMA chains of one vector width: acc_j = acc_j·m + a, every iteration 8 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma8<TOps, TV>(long iterations, float seed)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var m = TOps.Broadcast(0.999999f);
        var a = TOps.Broadcast(1e-6f);
        var c0 = TOps.Broadcast(seed + 0);
        var c1 = TOps.Broadcast(seed + 1);
        var c2 = TOps.Broadcast(seed + 2);
        var c3 = TOps.Broadcast(seed + 3);
        var c4 = TOps.Broadcast(seed + 4);
        var c5 = TOps.Broadcast(seed + 5);
        var c6 = TOps.Broadcast(seed + 6);
        var c7 = TOps.Broadcast(seed + 7);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(c0, m, a);
            c1 = TOps.MultiplyAdd(c1, m, a);
            c2 = TOps.MultiplyAdd(c2, m, a);
            c3 = TOps.MultiplyAdd(c3, m, a);
            c4 = TOps.MultiplyAdd(c4, m, a);
            c5 = TOps.MultiplyAdd(c5, m, a);
            c6 = TOps.MultiplyAdd(c6, m, a);
            c7 = TOps.MultiplyAdd(c7, m, a);
        }
        var sum0 = TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3));
        var sum1 = TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7));
        return First<TOps, TV>(TOps.Add(sum0, sum1));
    }

    // 12 independent FMA chains of one vector width: acc_j = acc_j·m + a, every iteration 12 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma12<TOps, TV>(long iterations, float seed)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var m = TOps.Broadcast(0.999999f);
        var a = TOps.Broadcast(1e-6f);
        var c0 = TOps.Broadcast(seed + 0);
        var c1 = TOps.Broadcast(seed + 1);
        var c2 = TOps.Broadcast(seed + 2);
        var c3 = TOps.Broadcast(seed + 3);
        var c4 = TOps.Broadcast(seed + 4);
        var c5 = TOps.Broadcast(seed + 5);
        var c6 = TOps.Broadcast(seed + 6);
        var c7 = TOps.Broadcast(seed + 7);
        var c8 = TOps.Broadcast(seed + 8);
        var c9 = TOps.Broadcast(seed + 9);
        var c10 = TOps.Broadcast(seed + 10);
        var c11 = TOps.Broadcast(seed + 11);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(c0, m, a);
            c1 = TOps.MultiplyAdd(c1, m, a);
            c2 = TOps.MultiplyAdd(c2, m, a);
            c3 = TOps.MultiplyAdd(c3, m, a);
            c4 = TOps.MultiplyAdd(c4, m, a);
            c5 = TOps.MultiplyAdd(c5, m, a);
            c6 = TOps.MultiplyAdd(c6, m, a);
            c7 = TOps.MultiplyAdd(c7, m, a);
            c8 = TOps.MultiplyAdd(c8, m, a);
            c9 = TOps.MultiplyAdd(c9, m, a);
            c10 = TOps.MultiplyAdd(c10, m, a);
            c11 = TOps.MultiplyAdd(c11, m, a);
        }
        var sum0 = TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3));
        var sum1 = TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7));
        var sum2 = TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11));
        return First<TOps, TV>(TOps.Add(TOps.Add(sum0, sum1), sum2));
    }

    // 16 independent FMA chains of one vector width: acc_j = acc_j·m + a, every iteration 16 FMAs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma16<TOps, TV>(long iterations, float seed)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var m = TOps.Broadcast(0.999999f);
        var a = TOps.Broadcast(1e-6f);
        var c0 = TOps.Broadcast(seed + 0);
        var c1 = TOps.Broadcast(seed + 1);
        var c2 = TOps.Broadcast(seed + 2);
        var c3 = TOps.Broadcast(seed + 3);
        var c4 = TOps.Broadcast(seed + 4);
        var c5 = TOps.Broadcast(seed + 5);
        var c6 = TOps.Broadcast(seed + 6);
        var c7 = TOps.Broadcast(seed + 7);
        var c8 = TOps.Broadcast(seed + 8);
        var c9 = TOps.Broadcast(seed + 9);
        var c10 = TOps.Broadcast(seed + 10);
        var c11 = TOps.Broadcast(seed + 11);
        var c12 = TOps.Broadcast(seed + 12);
        var c13 = TOps.Broadcast(seed + 13);
        var c14 = TOps.Broadcast(seed + 14);
        var c15 = TOps.Broadcast(seed + 15);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(c0, m, a);
            c1 = TOps.MultiplyAdd(c1, m, a);
            c2 = TOps.MultiplyAdd(c2, m, a);
            c3 = TOps.MultiplyAdd(c3, m, a);
            c4 = TOps.MultiplyAdd(c4, m, a);
            c5 = TOps.MultiplyAdd(c5, m, a);
            c6 = TOps.MultiplyAdd(c6, m, a);
            c7 = TOps.MultiplyAdd(c7, m, a);
            c8 = TOps.MultiplyAdd(c8, m, a);
            c9 = TOps.MultiplyAdd(c9, m, a);
            c10 = TOps.MultiplyAdd(c10, m, a);
            c11 = TOps.MultiplyAdd(c11, m, a);
            c12 = TOps.MultiplyAdd(c12, m, a);
            c13 = TOps.MultiplyAdd(c13, m, a);
            c14 = TOps.MultiplyAdd(c14, m, a);
            c15 = TOps.MultiplyAdd(c15, m, a);
        }
        var sum0 = TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3));
        var sum1 = TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7));
        var sum2 = TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11));
        var sum3 = TOps.Add(TOps.Add(c12, c13), TOps.Add(c14, c15));
        return First<TOps, TV>(TOps.Add(TOps.Add(TOps.Add(sum0, sum1), sum2), sum3));
    }

    // 16 independent FMA chains and a scalar chain of three dependent adds per iteration: the adds' 12 cycles bind
    // the loop (the FMAs need 8), so iterations × 12 / seconds is the clock while the FMAs run.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Clocked<TOps, TV>(long iterations, float seed)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var m = TOps.Broadcast(0.999999f);
        var a = TOps.Broadcast(1e-6f);
        var chain = seed;
        var c0 = TOps.Broadcast(seed + 0);
        var c1 = TOps.Broadcast(seed + 1);
        var c2 = TOps.Broadcast(seed + 2);
        var c3 = TOps.Broadcast(seed + 3);
        var c4 = TOps.Broadcast(seed + 4);
        var c5 = TOps.Broadcast(seed + 5);
        var c6 = TOps.Broadcast(seed + 6);
        var c7 = TOps.Broadcast(seed + 7);
        var c8 = TOps.Broadcast(seed + 8);
        var c9 = TOps.Broadcast(seed + 9);
        var c10 = TOps.Broadcast(seed + 10);
        var c11 = TOps.Broadcast(seed + 11);
        var c12 = TOps.Broadcast(seed + 12);
        var c13 = TOps.Broadcast(seed + 13);
        var c14 = TOps.Broadcast(seed + 14);
        var c15 = TOps.Broadcast(seed + 15);
        for (var i = 0L; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(c0, m, a);
            c1 = TOps.MultiplyAdd(c1, m, a);
            c2 = TOps.MultiplyAdd(c2, m, a);
            c3 = TOps.MultiplyAdd(c3, m, a);
            c4 = TOps.MultiplyAdd(c4, m, a);
            c5 = TOps.MultiplyAdd(c5, m, a);
            c6 = TOps.MultiplyAdd(c6, m, a);
            c7 = TOps.MultiplyAdd(c7, m, a);
            c8 = TOps.MultiplyAdd(c8, m, a);
            c9 = TOps.MultiplyAdd(c9, m, a);
            c10 = TOps.MultiplyAdd(c10, m, a);
            c11 = TOps.MultiplyAdd(c11, m, a);
            c12 = TOps.MultiplyAdd(c12, m, a);
            c13 = TOps.MultiplyAdd(c13, m, a);
            c14 = TOps.MultiplyAdd(c14, m, a);
            c15 = TOps.MultiplyAdd(c15, m, a);
            chain += 1e-7f;
            chain += 1e-7f;
            chain += 1e-7f;
        }
        var sum0 = TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3));
        var sum1 = TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7));
        var sum2 = TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11));
        var sum3 = TOps.Add(TOps.Add(c12, c13), TOps.Add(c14, c15));
        return chain + First<TOps, TV>(TOps.Add(TOps.Add(TOps.Add(sum0, sum1), sum2), sum3));
    }

    // The first lane of a vector: enough to keep the chains' results alive.
    static float First<TOps, TV>(TV value)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        TOps.Store(value, ref lanes[0], 0);
        return lanes[0];
    }

    // The LSTM register tile's loop (LstmGateTile.Registers.cs) on data in L1d: per k four 512-bit loads of B (two
    // panels of 32 floats), six broadcasts of A's rows and 24 FMAs, over a 128-deep block (32 KiB of B, as a depth
    // block), repeated. `offset` floats shift B off a 64-byte line, as a float[]'s data usually is (16 bytes past its
    // object's start): then every load of B spans two lines.
    static float TileInL1(long iterations, int offset)
    {
        const int depth = 128, w = 16;
        // Pinned, so the start found on a 64-byte line stays there.
        var b = GC.AllocateArray<float>(2 * depth * 2 * w + 64, pinned: true);
        var a = GC.AllocateArray<float>(6 * depth + 16, pinned: true);
        for (var i = 0; i < b.Length; i++) b[i] = 1e-3f * (i % 7);
        for (var i = 0; i < a.Length; i++) a[i] = 1f - 1e-3f * (i % 5);
        static int Aligned(float[] v) => (int)((64 - System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(v, 0) % 64) % 64 / 4);
        return TileLoop(iterations / depth, ref b[Aligned(b) + offset], ref a[Aligned(a)], depth);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float TileLoop(long blocks, ref float panels, ref float a, int depth)
    {
        const int w = 16;
        nint secondAt = depth * 2 * w;
        Vector512<float> i0 = default, o0 = default, f0 = default, g0 = default;
        Vector512<float> i1 = default, o1 = default, f1 = default, g1 = default;
        Vector512<float> i2 = default, o2 = default, f2 = default, g2 = default;
        Vector512<float> i3 = default, o3 = default, f3 = default, g3 = default;
        Vector512<float> i4 = default, o4 = default, f4 = default, g4 = default;
        Vector512<float> i5 = default, o5 = default, f5 = default, g5 = default;
        for (var n = 0L; n < blocks; n++)
        {
            ref var pb = ref panels;
            ref var ps = ref Unsafe.Add(ref panels, secondAt);
            ref var pa = ref a;
            for (var k = 0; k < depth; k++)
            {
                var bi = Vector512.LoadUnsafe(ref pb); var bo = Vector512.LoadUnsafe(ref pb, w);
                var bf = Vector512.LoadUnsafe(ref ps); var bg = Vector512.LoadUnsafe(ref ps, w);
                var a0 = Vector512.Create(Unsafe.Add(ref pa, 0 * depth));
                i0 = Vector512.FusedMultiplyAdd(a0, bi, i0); o0 = Vector512.FusedMultiplyAdd(a0, bo, o0); f0 = Vector512.FusedMultiplyAdd(a0, bf, f0); g0 = Vector512.FusedMultiplyAdd(a0, bg, g0);
                var a1 = Vector512.Create(Unsafe.Add(ref pa, 1 * depth));
                i1 = Vector512.FusedMultiplyAdd(a1, bi, i1); o1 = Vector512.FusedMultiplyAdd(a1, bo, o1); f1 = Vector512.FusedMultiplyAdd(a1, bf, f1); g1 = Vector512.FusedMultiplyAdd(a1, bg, g1);
                var a2 = Vector512.Create(Unsafe.Add(ref pa, 2 * depth));
                i2 = Vector512.FusedMultiplyAdd(a2, bi, i2); o2 = Vector512.FusedMultiplyAdd(a2, bo, o2); f2 = Vector512.FusedMultiplyAdd(a2, bf, f2); g2 = Vector512.FusedMultiplyAdd(a2, bg, g2);
                var a3 = Vector512.Create(Unsafe.Add(ref pa, 3 * depth));
                i3 = Vector512.FusedMultiplyAdd(a3, bi, i3); o3 = Vector512.FusedMultiplyAdd(a3, bo, o3); f3 = Vector512.FusedMultiplyAdd(a3, bf, f3); g3 = Vector512.FusedMultiplyAdd(a3, bg, g3);
                var a4 = Vector512.Create(Unsafe.Add(ref pa, 4 * depth));
                i4 = Vector512.FusedMultiplyAdd(a4, bi, i4); o4 = Vector512.FusedMultiplyAdd(a4, bo, o4); f4 = Vector512.FusedMultiplyAdd(a4, bf, f4); g4 = Vector512.FusedMultiplyAdd(a4, bg, g4);
                var a5 = Vector512.Create(Unsafe.Add(ref pa, 5 * depth));
                i5 = Vector512.FusedMultiplyAdd(a5, bi, i5); o5 = Vector512.FusedMultiplyAdd(a5, bo, o5); f5 = Vector512.FusedMultiplyAdd(a5, bf, f5); g5 = Vector512.FusedMultiplyAdd(a5, bg, g5);
                pb = ref Unsafe.Add(ref pb, 2 * w); ps = ref Unsafe.Add(ref ps, 2 * w); pa = ref Unsafe.Add(ref pa, 1);
            }
        }
        return Vector512.Sum(i0 + o0 + f0 + g0 + i1 + o1 + f1 + g1 + i2 + o2 + f2 + g2 + i3 + o3 + f3 + g3 + i4 + o4 + f4 + g4 + i5 + o5 + f5 + g5);
    }

    // The same loop over a batch-64 step's W at H = 512 (2048 columns, 512 rows of h_{t-1} in depth blocks of 128; 4 MiB,
    // so it streams from L3 as inference's does) and 64 rows of A (in L2), aligned or 16 bytes off: per unit block and depth block, eleven tiles
    // (the last over rows 58..63) walk the same 32 KiB of panels, each from zero (the kernel reads partial sums back).
    const int StreamBlocks = 32, StreamDepth = 512, StreamTiles = 11;
    public const long StreamPass = (long)StreamBlocks * StreamDepth * StreamTiles;

    static float TileFromL3(long iterations, int offset)
    {
        const int w = 16, block = StreamDepth * 4 * w;
        var b = GC.AllocateArray<float>(StreamBlocks * block + 16, pinned: true);
        var a = GC.AllocateArray<float>(64 * StreamDepth + 16, pinned: true);
        for (var i = 0; i < b.Length; i++) b[i] = 1e-3f * (i % 7);
        for (var i = 0; i < a.Length; i++) a[i] = 1f - 1e-3f * (i % 5);
        static int Aligned(float[] v) => (int)((64 - System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(v, 0) % 64) % 64 / 4);
        var (b0, a0) = (Aligned(b) + offset, Aligned(a));
        var sum = 0f;
        for (var pass = 0L; pass < Math.Max(1, iterations / StreamPass); pass++)
            for (var u = 0; u < StreamBlocks; u++)
                for (var d = 0; d < StreamDepth; d += 128)
                    for (var t = 0; t < StreamTiles; t++)
                        // Panels: the block's first (i, o) then second (f, g), each StreamDepth × 2w; rows of A StreamDepth apart.
                        sum += TileRows(ref b[b0 + u * block + d * 2 * w], StreamDepth * 2 * w, ref a[a0 + Math.Min(6 * t, 58) * StreamDepth + d], StreamDepth);
        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float TileRows(ref float panels, nint secondAt, ref float a, nint rowStride)
    {
        const int w = 16;
        Vector512<float> i0 = default, o0 = default, f0 = default, g0 = default;
        Vector512<float> i1 = default, o1 = default, f1 = default, g1 = default;
        Vector512<float> i2 = default, o2 = default, f2 = default, g2 = default;
        Vector512<float> i3 = default, o3 = default, f3 = default, g3 = default;
        Vector512<float> i4 = default, o4 = default, f4 = default, g4 = default;
        Vector512<float> i5 = default, o5 = default, f5 = default, g5 = default;
        ref var pb = ref panels;
        ref var ps = ref Unsafe.Add(ref panels, secondAt);
        ref var pa = ref a;
        for (var k = 0; k < 128; k++)
        {
            var bi = Vector512.LoadUnsafe(ref pb); var bo = Vector512.LoadUnsafe(ref pb, w);
            var bf = Vector512.LoadUnsafe(ref ps); var bg = Vector512.LoadUnsafe(ref ps, w);
            var a0 = Vector512.Create(Unsafe.Add(ref pa, 0 * rowStride));
            i0 = Vector512.FusedMultiplyAdd(a0, bi, i0); o0 = Vector512.FusedMultiplyAdd(a0, bo, o0); f0 = Vector512.FusedMultiplyAdd(a0, bf, f0); g0 = Vector512.FusedMultiplyAdd(a0, bg, g0);
            var a1 = Vector512.Create(Unsafe.Add(ref pa, 1 * rowStride));
            i1 = Vector512.FusedMultiplyAdd(a1, bi, i1); o1 = Vector512.FusedMultiplyAdd(a1, bo, o1); f1 = Vector512.FusedMultiplyAdd(a1, bf, f1); g1 = Vector512.FusedMultiplyAdd(a1, bg, g1);
            var a2 = Vector512.Create(Unsafe.Add(ref pa, 2 * rowStride));
            i2 = Vector512.FusedMultiplyAdd(a2, bi, i2); o2 = Vector512.FusedMultiplyAdd(a2, bo, o2); f2 = Vector512.FusedMultiplyAdd(a2, bf, f2); g2 = Vector512.FusedMultiplyAdd(a2, bg, g2);
            var a3 = Vector512.Create(Unsafe.Add(ref pa, 3 * rowStride));
            i3 = Vector512.FusedMultiplyAdd(a3, bi, i3); o3 = Vector512.FusedMultiplyAdd(a3, bo, o3); f3 = Vector512.FusedMultiplyAdd(a3, bf, f3); g3 = Vector512.FusedMultiplyAdd(a3, bg, g3);
            var a4 = Vector512.Create(Unsafe.Add(ref pa, 4 * rowStride));
            i4 = Vector512.FusedMultiplyAdd(a4, bi, i4); o4 = Vector512.FusedMultiplyAdd(a4, bo, o4); f4 = Vector512.FusedMultiplyAdd(a4, bf, f4); g4 = Vector512.FusedMultiplyAdd(a4, bg, g4);
            var a5 = Vector512.Create(Unsafe.Add(ref pa, 5 * rowStride));
            i5 = Vector512.FusedMultiplyAdd(a5, bi, i5); o5 = Vector512.FusedMultiplyAdd(a5, bo, o5); f5 = Vector512.FusedMultiplyAdd(a5, bf, f5); g5 = Vector512.FusedMultiplyAdd(a5, bg, g5);
            pb = ref Unsafe.Add(ref pb, 2 * w); ps = ref Unsafe.Add(ref ps, 2 * w); pa = ref Unsafe.Add(ref pa, 1);
        }
        return Vector512.Sum(i0 + o0 + f0 + g0 + i1 + o1 + f1 + g1 + i2 + o2 + f2 + g2 + i3 + o3 + f3 + g3 + i4 + o4 + f4 + g4 + i5 + o5 + f5 + g5);
    }
}
