using System.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Bench;

/// <summary>
/// A batch-1 LSTM inference pass (T=100 I=64 H=512 unless EXP_H=128: T=28 I=28) as the engine runs it, step product
/// [x_t | h_{t-1}]·[W_xhᵀ ; W_hhᵀ] then the gates, on one thread against two threads that each own half the units
/// of every gate block (their product columns and their gates, so one barrier per step: h_t complete before step t+1
/// reads it), in alternating rounds of wall-clock time (RECURRENT_EXPERIMENT=batch1split, EXP_ROUNDS). Also the
/// product alone on one thread, in GB/s of W streamed, the engine's own batch-1 call at the same sizes (Threads = 1
/// and 0), beside a plain vector sum over the same bytes (the core's read
/// rate from where W lives: L3 here), and the split with each step's halves claimed by whichever thread comes first.
/// </summary>
internal static class BatchOneUnitSplit
{
    public static int Run()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "512");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "30");
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        if (Environment.GetEnvironmentVariable("EXP_PAIRED") == "1")
            return Paired(hidden, length, input, rounds);
        int n = 4 * hidden, depth = input + hidden, half = hidden / 2;
        var rng = new Recurrent.Trainer.Data.Synthetic.DeterministicRandom(3);
        float[] Random(int count, float scale = 1) =>
            Enumerable.Range(0, count).Select(_ => (float)rng.NextUniform(-scale, scale)).ToArray();
        var scale = 1 / MathF.Sqrt(depth);
        var packed = new PackedMatrix(depth, n, hidden);
        packed.PackTransposeOf(Random(n * input, scale), 0, input);
        packed.PackTransposeOf(Random(n * hidden, scale), input, hidden);
        var bias = Random(n, 0.1f);
        var xs = Random(length * input);

        // One thread, as ForwardRows runs a batch of one.
        var h = new float[2 * hidden];
        var cells = new float[2 * hidden];
        var z = new float[n];
        var extra = new float[hidden];
        var stacked = new float[depth];
        float[] One()
        {
            Array.Clear(h);
            Array.Clear(cells);
            for (var t = 0; t < length; t++)
            {
                var (read, write) = (t % 2 * hidden, (t + 1) % 2 * hidden);
                bias.CopyTo(z, 0);
                xs.AsSpan(t * input, input).CopyTo(stacked);
                h.AsSpan(read, hidden).CopyTo(stacked.AsSpan(input));
                Gemm.Multiply(MatrixView.RowMajor(stacked, 1, depth), packed, new MatrixSpan(z, 1, n), true,
                    descending: t % 2 == 1);
                var step = new CellStep
                {
                    Rows = 1,
                    Hidden = hidden,
                    Inference = true,
                    RecurrentProductAdded = true,
                    InputProjection = z,
                    PreviousCell = cells.AsSpan(read, hidden),
                    Cell = cells.AsSpan(write, hidden),
                    Extra = extra,
                    State = h.AsSpan(write, hidden),
                };
                LstmCell.Activate(ref step);
            }
            return h.AsSpan(length % 2 * hidden, hidden).ToArray();
        }

        void ProductOnly()
        {
            for (var t = 0; t < length; t++)
                Gemm.Multiply(MatrixView.RowMajor(stacked, 1, depth), packed, new MatrixSpan(z, 1, n), false,
                    descending: t % 2 == 1);
        }

        // The machine's own one-core read rate over the same bytes: W summed in eight independent vector chains
        // (one chain would time the adds' latency, not the reads), T times.
        var sink = 0f;
        void SumOnly()
        {
            for (var t = 0; t < length; t++)
                sink += ReadAll(packed.Data);
        }

        // Two workers; worker p owns units p·H/2 .. (p+1)·H/2 of i, o, f and g.
        var workerBias = new float[2][];
        var workerZ = new float[2][];
        var workerExtra = new float[2][];
        var workerStacked = new float[2][];
        for (var p = 0; p < 2; p++)
        {
            workerBias[p] = new float[4 * half];
            for (var g = 0; g < 4; g++)
                bias.AsSpan(g * hidden + p * half, half).CopyTo(workerBias[p].AsSpan(g * half));
            (workerZ[p], workerExtra[p], workerStacked[p]) = (new float[4 * half], new float[half], new float[depth]);
        }
        var arrived = new long[2 * 16]; // step counters, a cache line apart
        void Worker(int p, long pass)
        {
            var other = (1 - p) * 16;
            for (var t = 0; t < length; t++)
            {
                Half(p, t);
                var mine = pass * length + t + 1;
                Volatile.Write(ref arrived[p * 16], mine);
                var spin = new SpinWait();
                while (Volatile.Read(ref arrived[other]) < mine)
                    spin.SpinOnce(-1);
            }
        }
        long posted = 0;
        var stop = false;
        var helper = new Thread(() =>
        {
            long seen = 0;
            while (true)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref posted) == seen && !Volatile.Read(ref stop))
                    spin.SpinOnce(-1);
                if (Volatile.Read(ref stop))
                    return;
                seen++;
                Worker(1, seen - 1);
            }
        })
        { IsBackground = true };
        helper.Start();
        float[] Two()
        {
            Array.Clear(h);
            Array.Clear(cells);
            var pass = Volatile.Read(ref posted);
            Volatile.Write(ref posted, pass + 1);
            Worker(0, pass);
            return h.AsSpan(length % 2 * hidden, hidden).ToArray();
        }

        // Half k of step t: its units' product from h_{t-1}, then their gates, c_t and h_t.
        void Half(int k, int t)
        {
            var (read, write) = (t % 2 * hidden, (t + 1) % 2 * hidden);
            workerBias[k].CopyTo(workerZ[k], 0);
            xs.AsSpan(t * input, input).CopyTo(workerStacked[k]);
            h.AsSpan(read, hidden).CopyTo(workerStacked[k].AsSpan(input));
            Gemm.MultiplyUnitSlice(workerStacked[k], packed, k * half, half, workerZ[k], descending: t % 2 == 1);
            var step = new CellStep
            {
                Rows = 1,
                Hidden = half,
                Inference = true,
                RecurrentProductAdded = true,
                InputProjection = workerZ[k],
                PreviousCell = cells.AsSpan(read + k * half, half),
                Cell = cells.AsSpan(write + k * half, half),
                Extra = workerExtra[k],
                State = h.AsSpan(write + k * half, half),
            };
            LstmCell.Activate(ref step);
        }
        // The same halves claimed per step by whichever thread comes first (StepWorkers' protocol, per step): the
        // caller takes a half the helper has not claimed, and a helper that finds step t not yet open within a short
        // spin leaves the rest of the pass to the caller, so a helper kept off its core costs about nothing.
        ClaimPass? claimPass = null;
        var helperSpin = (long)(Stopwatch.Frequency * 20e-6); // 20 µs
        var claimHelper = new Thread(() =>
        {
            ClaimPass? seen = null;
            while (true)
            {
                var spin = new SpinWait();
                ClaimPass? pass;
                while ((pass = Volatile.Read(ref claimPass)) == seen && !Volatile.Read(ref stop))
                    spin.SpinOnce(-1);
                if (Volatile.Read(ref stop))
                    return;
                seen = pass!;
                for (var t = 0; t < length; t++)
                {
                    var giveUp = Stopwatch.GetTimestamp() + helperSpin;
                    while (t > 0 && Volatile.Read(ref pass!.Done[t - 1]) < 2 && Stopwatch.GetTimestamp() < giveUp)
                        Thread.SpinWait(20);
                    if (t > 0 && Volatile.Read(ref pass!.Done[t - 1]) < 2)
                        break;
                    int k;
                    if ((k = Interlocked.Increment(ref pass!.Claimed[t]) - 1) >= 2)
                        continue;
                    Half(k, t);
                    Interlocked.Increment(ref pass.Done[t]);
                }
            }
        })
        { IsBackground = true };
        claimHelper.Start();
        float[] Claimed()
        {
            Array.Clear(h);
            Array.Clear(cells);
            var pass = new ClaimPass(length);
            Volatile.Write(ref claimPass, pass);
            for (var t = 0; t < length; t++)
            {
                // h_{t-1} complete: the helper's half of step t − 1, if it took one.
                while (t > 0 && Volatile.Read(ref pass.Done[t - 1]) < 2)
                    Thread.SpinWait(20);
                int k;
                while ((k = Interlocked.Increment(ref pass.Claimed[t]) - 1) < 2)
                {
                    Half(k, t);
                    Interlocked.Increment(ref pass.Done[t]);
                }
            }
            while (Volatile.Read(ref pass.Done[length - 1]) < 2)
                Thread.SpinWait(20);
            return h.AsSpan(length % 2 * hidden, hidden).ToArray();
        }

        var one = One();
        var two = Two();
        var claimed = Claimed();
        Console.WriteLine($"the claimed-halves pass's h_T {(one.AsSpan().SequenceEqual(claimed) ? "equals" : "DIFFERS FROM")} one thread's");
        Console.WriteLine($"batch 1 LSTM T={length} I={input} H={hidden}: W {n * depth * 4 / 1e6:F2} MB; the two-thread " +
                          $"pass's h_T {(one.AsSpan().SequenceEqual(two) ? "equals" : "DIFFERS FROM")} one thread's bit for bit");
        // The engine's own batch-1 call at the same sizes (one thread), for what the pass costs around the steps.
        var model = TrainingBenchmark.RandomModel(new Recurrent.Trainer.SequenceModelOptions { HiddenSize = hidden, Threads = 1 },
            length, input);
        Recurrent.Trainer.Data.SequenceExample[] single = [.. InferenceBenchmark.RandomSequences(1, length, input)];
        void Predict(int threads)
        {
            model.Options.Threads = threads;
            model.PredictBatch(single);
        }
        void PredictSplit()
        {
            // The engine's unit split below its size threshold too (H = 128: whether it should split there).
            var threshold = RecurrentDirection.UnitSplitMinimumHidden;
            RecurrentDirection.UnitSplitMinimumHidden = 2;
            Predict(2);
            RecurrentDirection.UnitSplitMinimumHidden = threshold;
        }
        (string Name, Action Body)[] ways = [("the engine's PredictBatch, batch 1", () => Predict(1)),
            ("the same on Threads = 0 (one per core)", () => Predict(0)),
            ("the engine on 2 threads, split at any H", PredictSplit),("one thread, whole pass", () => One()), ("two threads, units split", () => Two()),
            ("one thread, the T products alone", ProductOnly), ("one thread, T reads of W (8 sums)", SumOnly),
            ("two threads, halves claimed per step", () => Claimed())];
        var times = ways.Select(_ => new List<double>()).ToArray();
        foreach (var way in ways)
            for (var i = 0; i < 20; i++)
                way.Body();
        var loads = new List<string>();
        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < ways.Length; i++)
            {
                for (var k = 0; k < 10; k++)
                {
                    var start = Stopwatch.GetTimestamp();
                    ways[i].Body();
                    times[i].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
            loads.Add(File.ReadAllText("/proc/loadavg").Split(' ')[0]);
        }
        Volatile.Write(ref stop, true);
        helper.Join();
        claimHelper.Join();
        GC.KeepAlive(sink);
        Console.WriteLine($"load {string.Join(" ", loads)}");
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        for (var i = 0; i < ways.Length; i++)
        {
            var sorted = times[i].Order().ToArray();
            Console.WriteLine($"  {ways[i].Name,-36} median {Median(times[i]),9:F0} us  p25 {sorted[sorted.Length / 4],9:F0}  min {sorted[0],9:F0}" +
                              $"  ({n * depth * 4.0 * length / Median(times[i]) / 1e3:F1} GB/s of W by the median)");
        }
        Console.WriteLine($"  two threads / one thread, medians: {Median(times[4]) / Median(times[3]):F2}; halves claimed " +
                          $"per step / one thread: {Median(times[7]) / Median(times[3]):F2}; the engine split at any H / " +
                          $"the engine on one thread: {Median(times[2]) / Median(times[0]):F2}");
        return 0;
    }

    // The engine's batch-1 call on one thread against its unit split (at any H), one call each in turn (EXP_PAIRED=1):
    // under load the per-turn ratios say more than medians of blocks. Prints the medians of the calls and of the turns'
    // ratios, the process's CPU time per call, and how many halves the helper did.
    private static int Paired(int hidden, int length, int input, int rounds)
    {
        var model = TrainingBenchmark.RandomModel(new Recurrent.Trainer.SequenceModelOptions { HiddenSize = hidden, Threads = 1 },
            length, input);
        Recurrent.Trainer.Data.SequenceExample[] single = [.. InferenceBenchmark.RandomSequences(1, length, input)];
        RecurrentDirection.UnitSplitMinimumHidden = 2;
        void Call(int threads, bool always)
        {
            model.Options.Threads = threads;
            RecurrentDirection.UnitSplitAlways = always;
            model.PredictBatch(single);
        }
        // The split on every pass (before the back-off) and the default (the split backing off while the helper does
        // under a quarter of the halves: UnitSplitBackOff.cs); the two share the model but only the latter its back-off.
        (string Name, Action Body)[] ways = [("one thread", () => Call(1, false)),
            ("two threads, always split", () => Call(2, true)), ("two threads, backing off", () => Call(2, false))];
        var times = ways.Select(_ => new List<double>()).ToArray();
        var process = Process.GetCurrentProcess();
        var cpu = new double[ways.Length];
        for (var r = -5; r < rounds * 10; r++)
        {
            for (var i = 0; i < ways.Length; i++)
            {
                var w = ((i + r) % ways.Length + ways.Length) % ways.Length;
                process.Refresh();
                var cpuStart = process.TotalProcessorTime;
                var start = Stopwatch.GetTimestamp();
                ways[w].Body();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                process.Refresh();
                if (r < 0)
                    continue;
                times[w].Add(elapsed);
                cpu[w] += (process.TotalProcessorTime - cpuStart).TotalMicroseconds;
            }
        }
        double Median(IEnumerable<double> v) => v.Order().ElementAt(v.Count() / 2);
        Console.WriteLine("halves the helper published, the caller took back, the caller found open; passes the helper left: " +
                          string.Join(" ", RecurrentDirection.UnitSplitHalves) + $"; passes split {RecurrentDirection.UnitSplitPasses}, " +
                          $"backed off to one thread {RecurrentDirection.UnitSplitBackedOff}");
        Console.WriteLine($"batch 1 LSTM T={length} I={input} H={hidden}, {times[0].Count} turns, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        for (var i = 0; i < ways.Length; i++)
            Console.WriteLine($"  {ways[i].Name,-26} median {Median(times[i]),8:F0} us  min {times[i].Min(),8:F0}  ratio to one thread (median of turns) " +
                              $"{Median(times[i].Select((t, k) => t / times[0][k])):F2}  process CPU per call {cpu[i] / times[i].Count,8:F0} us");
        return 0;
    }

    // One pass's claims: step t's halves claimed (Claimed[t], 0..2) and finished (Done[t]); new for every pass, so a
    // helper late from the last pass claims nothing of this one.
    private sealed class ClaimPass(int steps)
    {
        public readonly int[] Claimed = new int[steps];
        public readonly int[] Done = new int[steps];
    }

    private static float ReadAll(float[] data)
    {
        var v = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(data);
        System.Numerics.Vector<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default,
            s6 = default, s7 = default;
        var i = 0;
        for (; i + 8 <= v.Length; i += 8)
        {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
            s4 += v[i + 4];
            s5 += v[i + 5];
            s6 += v[i + 6];
            s7 += v[i + 7];
        }
        for (; i < v.Length; i++)
            s0 += v[i];
        return System.Numerics.Vector.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }
}
