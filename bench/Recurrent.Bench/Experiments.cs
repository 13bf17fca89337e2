using System.Diagnostics;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Bench;

/// <summary>
/// In-process measurements behind docs/performance.md, run by RECURRENT_EXPERIMENT=NAME (EXP_* variables set sizes):
/// alternating rounds of several ways of doing one thing, each timed by wall clock and by the thread's and process's
/// CPU time (on a shared machine the thread's CPU time is what the code costs). `ort`: managed inference, ONNX Runtime,
/// our step products alone and our gates alone; `depth`: the inference step's product under depth blocks; `dw`: the
/// weight-gradient product read in place or with A packed; `gates`: the LSTM gate pass alone; `infer`: managed
/// inference alone, for perf record; `batch1`: a batch-1 step's product on one thread against its gate blocks split
/// over two; `projection`: ONNX Runtime's input projection (all steps' x_t·W_xhᵀ as one product before the time loop)
/// against the LSTM gate tiles' steps with and without x_t's terms; `fused`: managed LSTM inference with its gates computed from each product tile against the product then the
/// gate pass, and ONNX Runtime; `peak`: this core's FMA peak per vector width (PeakExperiment.cs).
/// </summary>
internal static class Experiments
{
    public static int Run(string name)
    {
        switch (name)
        {
            case "infer": Infer(); break;
            case "ort": Ort(); break;
            case "fused": Fused(); break;
            case "dw": WeightGradient(); break;
            case "depth": Depth(); break;
            case "gates": GatesOnly(); break;
            case "batch1": BatchOneSplit(); break;
            case "projection": Projection(); break;
            case "tiles": TileExperiment.Run(); break;
            case "peak": PeakExperiment.Run(); break;
            default: Console.Error.WriteLine("unknown"); return 1;
        }
        return 0;
    }

    static readonly DeterministicRandom Rng = new(3);
    static float[] Random(int n) { var v = new float[n]; for (var i = 0; i < n; i++) v[i] = (float)Rng.NextUniform(-1, 1); return v; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec time);
    struct TimeSpec { public long Seconds; public long Nanoseconds; }
    static double ThreadCpuMicroseconds() { ClockGetTime(3, out var t); return t.Seconds * 1e6 + t.Nanoseconds / 1e3; }
    static double ProcessCpuMicroseconds() { ClockGetTime(2, out var t); return t.Seconds * 1e6 + t.Nanoseconds / 1e3; }

    public static void Alternate(double flops, int rounds, params (string Name, Action Body)[] ways) =>
        Alternate(rounds, ways.Select(w => (w.Name, flops, w.Body)).ToArray());

    public static void Alternate(int rounds, params (string Name, double Flops, Action Body)[] ways)
    {
        var flops = ways.Max(w => w.Flops);
        var cpu = ways.Select(_ => new List<double>()).ToArray();
        var process = ways.Select(_ => new List<double>()).ToArray();
        var reps = Math.Max(1, (int)(3e7 / flops));
        var times = ways.Select(_ => new List<double>()).ToArray();
        foreach (var w in ways) { w.Body(); w.Body(); }
        for (var r = 0; r < rounds; r++)
            for (var i = 0; i < ways.Length; i++)
            {
                var s = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuMicroseconds();
                var p0 = ProcessCpuMicroseconds();
                var repsI = Math.Max(1, (int)(reps * flops / ways[i].Flops));
                for (var k = 0; k < repsI; k++) ways[i].Body();
                cpu[i].Add((ThreadCpuMicroseconds() - c0) / repsI);
                process[i].Add((ProcessCpuMicroseconds() - p0) / repsI);
                times[i].Add(Stopwatch.GetElapsedTime(s).TotalMicroseconds / repsI);
            }
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        for (var i = 0; i < ways.Length; i++)
        {
            var t = times[i].Order().ToArray();
            var f = ways[i].Flops;
            Console.WriteLine($"  {ways[i].Name,-50} min {t[0],9:F1} us ({f / t[0] / 1e3,6:F1} GFLOP/s)  p25 {t[t.Length / 4],9:F1}  median {t[t.Length / 2],9:F1}");
            var u = cpu[i].Order().ToArray();
            Console.WriteLine($"  {"  thread CPU time",-50} min {u[0],9:F1} us ({f / u[0] / 1e3,6:F1} GFLOP/s, median {f / u[u.Length / 2] / 1e3,6:F1})  p25 {u[u.Length / 4],9:F1}  median {u[u.Length / 2],9:F1}");
            var q = process[i].Order().ToArray();
            Console.WriteLine($"  {"  process CPU time",-50} min {q[0],9:F1} us  p25 {q[q.Length / 4],9:F1}  median {q[q.Length / 2],9:F1}");
        }
    }

    // The inference experiments' model and batch: an LSTM of EXP_H units (128: T=28 I=28; 512: T=100 I=64), on
    // EXP_THREADS threads (1; 0: one per core), and EXP_BATCH random sequences.
    static (Recurrent.Trainer.Models.SequenceModel Model, Recurrent.Trainer.Data.SequenceExample[] Batch, int Hidden, int Length, int Input) InferenceSetup()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128");
        var batchSize = int.Parse(Environment.GetEnvironmentVariable("EXP_BATCH") ?? "64");
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        var options = new Recurrent.Trainer.SequenceModelOptions
        {
            HiddenSize = hidden,
            Threads = int.Parse(Environment.GetEnvironmentVariable("EXP_THREADS") ?? "1"),
        };
        return (TrainingBenchmark.RandomModel(options, length, input), InferenceBenchmark.RandomSequences(batchSize, length, input), hidden,
            length, input);
    }

    // Managed inference alone (for perf, or to compare thread counts without ONNX Runtime in the process): EXP_H,
    // EXP_BATCH, EXP_THREADS, EXP_SECONDS; prints the fastest, median and 90th percentile call. EXP_TEAM=0 hands off
    // through the thread pool instead of the process's inference helpers.
    static void Infer()
    {
        var seconds = double.Parse(Environment.GetEnvironmentVariable("EXP_SECONDS") ?? "10");
        Recurrent.Trainer.Kernels.InferenceTeam.Enabled = Environment.GetEnvironmentVariable("EXP_TEAM") != "0";
        var (model, batch, _, _, _) = InferenceSetup();
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var s = Stopwatch.GetTimestamp();
            model.PredictBatch(batch);
            times.Add(Stopwatch.GetElapsedTime(s).TotalMicroseconds);
        }
        times.Sort();
        Console.WriteLine($"{times.Count} calls, best {times[0]:F0} us, median {times[times.Count / 2]:F0}, p90 {times[times.Count * 9 / 10]:F0}");
    }

    static void Ort()
    {
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "30");
        var (model, batch, hidden, length, input) = InferenceSetup();
        var batchSize = batch.Length;
        var path = Path.Combine(Path.GetTempPath(), $"exp-{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(path);
        using var onnx = new InferenceBenchmark.OnnxSession(path, input);
        File.Delete(path);
        var flops = 2.0 * length * batchSize * 4 * hidden * (hidden + input);
        // The step's products alone (T products of the batch, as inference runs them) and its gates alone.
        int n = 4 * hidden, depth = input + hidden;
        var stacked = depth <= KernelPlan.Active.DepthBlock;
        var wx = Random(n * input); var wh = Random(n * hidden);
        var px = new PackedMatrix(input, n, hidden); px.PackTransposeOf(wx);
        var ph = new PackedMatrix(hidden, n, hidden); ph.PackTransposeOf(wh);
        var ps = new PackedMatrix(depth, n, hidden); ps.PackTransposeOf(wx, 0, input); ps.PackTransposeOf(wh, input, hidden);
        var xs = Random(length * batchSize * input); var h = Random(batchSize * hidden); var bias = Random(n);
        var c = new float[batchSize * n]; var st = new float[batchSize * depth];
        var cells = new float[2 * batchSize * hidden]; var hOut = new float[batchSize * hidden]; var extra = new float[batchSize * hidden];
        void Products()
        {
            for (var t = 0; t < length; t++)
            {
                for (var r = 0; r < batchSize; r++) bias.CopyTo(c, r * n);
                if (stacked)
                {
                    for (var r = 0; r < batchSize; r++) { xs.AsSpan((t * batchSize + r) * input, input).CopyTo(st.AsSpan(r * depth)); h.AsSpan(r * hidden, hidden).CopyTo(st.AsSpan(r * depth + input)); }
                    Gemm.Multiply(MatrixView.RowMajor(st, batchSize, depth), ps, new MatrixSpan(c, batchSize, n), true);
                }
                else
                {
                    Gemm.Multiply(MatrixView.RowMajor(xs.AsSpan(t * batchSize * input), batchSize, input), px, new MatrixSpan(c, batchSize, n), true);
                    Gemm.Multiply(MatrixView.RowMajor(h, batchSize, hidden), ph, new MatrixSpan(c, batchSize, n), true);
                }
            }
        }
        var pre = Random(batchSize * n);
        void Gates()
        {
            for (var t = 0; t < length; t++)
            {
                pre.CopyTo(c, 0);
                var step = new Recurrent.Trainer.Cells.CellStep
                {
                    Inference = true,
                    Rows = batchSize,
                    Hidden = hidden,
                    InputProjection = c,
                    PreviousCell = cells.AsSpan(t % 2 * batchSize * hidden, batchSize * hidden),
                    Cell = cells.AsSpan((t + 1) % 2 * batchSize * hidden, batchSize * hidden),
                    Extra = extra,
                    State = hOut,
                    Gates = c
                };
                Recurrent.Trainer.Cells.LstmCell.Activate(ref step);
            }
        }
        Alternate(rounds, ("managed", flops, () => model.PredictBatch(batch)), ("onnxruntime", flops, () => onnx.Predict(batch)),
            ("our products alone", flops, Products), ("our gates alone (+ a copy of C)", flops, Gates));
    }

    // Managed batch inference with the gate tiles (KernelPlan.FusedLstmInference) against the product then the gate
    // pass, and ONNX Runtime, alternating in one process (EXP_H, EXP_BATCH, EXP_ROUNDS). One thread: the steps run on
    // the calling thread, under its plan.
    static void Fused()
    {
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "30");
        var (model, batch, hidden, length, input) = InferenceSetup();
        var path = Path.Combine(Path.GetTempPath(), $"exp-{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(path);
        using var onnx = new InferenceBenchmark.OnnxSession(path, input);
        File.Delete(path);
        var flops = 2.0 * length * batch.Length * 4 * hidden * (hidden + input);
        var before = KernelPlan.Active with { FusedLstmInference = false };
        var fused = KernelPlan.Active with { FusedLstmInference = true };
        Console.WriteLine($"LSTM T={length} I={input} H={hidden}, batch {batch.Length}, one thread");
        void Run(KernelPlan plan)
        {
            using (KernelPlan.Use(plan))
                model.PredictBatch(batch);
        }
        var buffered = fused with { LstmRegisterTiles = false };
        var ways = new List<(string, double, Action)>
        {
            ("gate tiles", flops, () => Run(fused)),
            ("product, then the gate pass", flops, () => Run(before)),
            ("onnxruntime", flops, () => onnx.Predict(batch)),
        };
        // AVX-512: the 6-row all-register tiles (the plan's default) against the buffered pair tiles.
        if (VectorWidth.Use512)
            ways.Add(("gate tiles, buffered pairs", flops, () => Run(buffered)));
        // Deeper than a depth block the gate tiles keep partial sums per depth block; the alternative reads a
        // block's whole panels from L2 for every tile (EXP_DEPTHS: more depth blocks to try).
        if (input + hidden > KernelPlan.Active.DepthBlock)
            ways.Add(("gate tiles, no depth blocks", flops, () => Run(fused with { DepthBlock = 1 << 20 })));
        foreach (var d in (Environment.GetEnvironmentVariable("EXP_DEPTHS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            ways.Add(($"gate tiles, depth block {d}", flops, () => Run(fused with { DepthBlock = int.Parse(d) })));
        Alternate(rounds, ways.ToArray());
    }

    // ONNX Runtime's way with the input: one product for all T steps' x_t·W_xhᵀ (T·B rows, I deep) into a [T·B, 4H]
    // buffer before the time loop, whose steps then start from it. Timed: that product alone, against the gate tiles'
    // T steps over [x_t | h_{t-1}] (today's inference, one thread) and the same steps with I = 1 (x_t's terms all
    // but gone: what the steps would cost if they started from the projection, before reading it back).
    static void Projection()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "21");
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        int batch = 64, n = 4 * hidden;
        var units = VectorWidth.Use512 ? 16 : 8;
        var wx = Random(n * input); var wh = Random(n * hidden); var bias = Random(n);
        var px = new PackedMatrix(input, n, hidden); px.PackTransposeOf(wx);
        var xs = Random(length * batch * input); var projection = new float[length * batch * n];
        void Project()
        {
            for (var r = 0; r < length * batch; r++) bias.CopyTo(projection, r * n);
            Gemm.Multiply(MatrixView.RowMajor(xs, length * batch, input), px, new MatrixSpan(projection, length * batch, n), true);
        }
        Action Steps(int inputs)
        {
            var panels = new PackedGatePanels(inputs, hidden, units);
            panels.Pack(Random(n * inputs), wh, bias);
            var x = Random(batch * inputs);
            var states = Random(2 * batch * hidden); var cells = Random(2 * batch * hidden);
            return () =>
            {
                for (var t = 0; t < length; t++)
                {
                    int from = t % 2 * batch * hidden, to = (t + 1) % 2 * batch * hidden;
                    LstmGateTile.Step(panels, x, inputs, states.AsSpan(from, batch * hidden), cells.AsSpan(from, batch * hidden),
                        states.AsSpan(to, batch * hidden), cells.AsSpan(to, batch * hidden), batch);
                }
            };
        }
        Console.WriteLine($"T={length} B={batch} I={input} H={hidden}: projection buffer {projection.Length * 4 / 1e6:F1} MB");
        Alternate(rounds, ("all steps' x_t·W_xhᵀ, one product", 2.0 * length * batch * n * input, Project),
            ("gate-tile steps over [x_t | h_{t-1}]", 2.0 * length * batch * n * (input + hidden), Steps(input)),
            ("gate-tile steps with I = 1", 2.0 * length * batch * n * (1 + hidden), Steps(1)));
    }

    // A batch-1 LSTM pass's products (EXP_H: 512 with I = 64 and T = 100, or 128 with I = 28 and T = 28): each step's
    // [x_t | h_{t-1}]·[W_xhᵀ ; W_hhᵀ] on one thread, against the same with the gate blocks i, o on this thread and f, g
    // on a second one that waits spinning for each step (a barrier per step, as a split inference step would need
    // before its gates). Wall clock: what a caller waits for.
    static void BatchOneSplit()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "512");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "30");
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        int n = 4 * hidden, depth = input + hidden;
        var wx = Random(n * input); var wh = Random(n * hidden);
        var packed = new PackedMatrix(depth, n, hidden); packed.PackTransposeOf(wx, 0, input); packed.PackTransposeOf(wh, input, hidden);
        var row = Random(depth); var c = new float[n];
        void Part(int step, int first, int count) =>
            Gemm.Multiply(MatrixView.RowMajor(row, 1, depth), packed.ColumnRange(first, count), new MatrixSpan(c, 1, n), false,
                descending: step % 2 == 1);
        void One()
        {
            for (var t = 0; t < length; t++) Part(t, 0, n);
        }
        var posted = 0; var done = 0; var stop = false;
        var worker = new Thread(() =>
        {
            var seen = 0;
            while (true)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref posted) == seen && !Volatile.Read(ref stop)) spin.SpinOnce(-1);
                if (Volatile.Read(ref stop)) return;
                seen++;
                Part(seen, n / 2, n / 2);
                Volatile.Write(ref done, seen);
            }
        })
        { IsBackground = true };
        worker.Start();
        var step = 0;
        void Two()
        {
            for (var t = 0; t < length; t++)
            {
                step++;
                Volatile.Write(ref posted, step);
                Part(step, 0, n / 2);
                var spin = new SpinWait();
                while (Volatile.Read(ref done) != step) spin.SpinOnce(-1);
            }
        }
        var flops = 2.0 * length * n * depth;
        Console.WriteLine($"batch 1, T={length} I={input} H={hidden}: W {n * depth * 4 / 1e6:F1} MB");
        Alternate(rounds, ("one thread", flops, One), ("two threads, gate blocks split", flops, Two));
        Volatile.Write(ref stop, true);
        worker.Join();
    }

    // dW = Aᵀ·B with A [K, M] row-major (read transposed), B [K, N]: the weight gradients' shapes.
    static void WeightGradient()
    {
        foreach (var (m, n, k, lda) in (Environment.GetEnvironmentVariable("EXP_DW") == "512" ? new[] { (1024, 576, 6400, 2048), (2048, 576, 6400, 2048) } : new[] { (256, 160, 1792, 512), (512, 160, 1792, 512) }))
        {
            var a = Random(k * lda); var b = Random(k * n); var c = new float[m * n];
            void Run(KernelPlan plan) { using (KernelPlan.Use(plan)) Gemm.Multiply(new MatrixView(a, m, k, 1, lda), MatrixView.RowMajor(b, k, n), new MatrixSpan(c, m, n), false); }
            var inPlace = KernelPlan.Active with { PackTransposedAFromStrideBytes = long.MaxValue };
            Console.WriteLine($"Aᵀ·B {m}×{n}×{k}, A's k-stride {lda}");
            Alternate(2.0 * m * n * k, 30,
                ("in place, row tiles first", () => Run(inPlace)),
                ("in place, panel by panel", () => Run(inPlace with { TransposedADepthBlock = 0 })),
                ("A packed in row tiles", () => Run(KernelPlan.Active with { PackTransposedAFromStrideBytes = 0 })));
        }
    }

    // The inference step's product under depth blocks (EXP_H: 128 stacked, 512 two products or stacked).
    static void Depth()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "512");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "30");
        var depths = (Environment.GetEnvironmentVariable("EXP_DEPTHS") ?? "320,512,256,192,128").Split(',').Select(int.Parse).ToArray();
        int m = 64, input = hidden == 512 ? 64 : 28, n = 4 * hidden, depth = input + hidden;
        var wx = Random(n * input); var wh = Random(n * hidden);
        var px = new PackedMatrix(input, n, hidden); px.PackTransposeOf(wx);
        var ph = new PackedMatrix(hidden, n, hidden); ph.PackTransposeOf(wh);
        var ps = new PackedMatrix(depth, n, hidden); ps.PackTransposeOf(wx, 0, input); ps.PackTransposeOf(wh, input, hidden);
        var x = Random(m * input); var h = Random(m * hidden); var bias = Random(n);
        var c = new float[m * n]; var st = new float[m * depth];
        void Bias() { for (var r = 0; r < m; r++) bias.CopyTo(c, r * n); }
        void Two() { Bias(); Gemm.Multiply(MatrixView.RowMajor(x, m, input), px, new MatrixSpan(c, m, n), true); Gemm.Multiply(MatrixView.RowMajor(h, m, hidden), ph, new MatrixSpan(c, m, n), true); }
        void Stacked() { Bias(); for (var r = 0; r < m; r++) { x.AsSpan(r * input, input).CopyTo(st.AsSpan(r * depth)); h.AsSpan(r * hidden, hidden).CopyTo(st.AsSpan(r * depth + input)); } Gemm.Multiply(MatrixView.RowMajor(st, m, depth), ps, new MatrixSpan(c, m, n), true); }
        var flops = 2.0 * m * n * depth;
        var ways = new List<(string, double, Action)>();
        foreach (var d in depths)
        {
            var plan = KernelPlan.Active with { DepthBlock = d };
            if (hidden == 512)
                ways.Add(($"two products, depth {d}", flops, () => { using (KernelPlan.Use(plan)) Two(); }));
            ways.Add(($"stacked, depth {d}", flops, () => { using (KernelPlan.Use(plan)) Stacked(); }));
        }
        Console.WriteLine($"batch {m}, H {hidden}, I {input}");
        Alternate(rounds, ways.ToArray());
    }

    // The LSTM's gate pass alone over 64 rows × 28 steps (EXP_H; EXP_KEEP=1 for training's, which keeps the gates).
    static void GatesOnly()
    {
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "40");
        var keep = Environment.GetEnvironmentVariable("EXP_KEEP") == "1";
        int rows = 64, n = 4 * hidden, length = 28;
        var pre = Random(rows * n);
        for (var i = 0; i < pre.Length; i++)
            pre[i] *= 3;
        var c = new float[rows * n]; var gates = new float[rows * n];
        var cells = Random(2 * rows * hidden); var hOut = new float[rows * hidden]; var extra = new float[rows * hidden];
        void Body()
        {
            for (var t = 0; t < length; t++)
            {
                pre.CopyTo(c, 0);
                var step = new Recurrent.Trainer.Cells.CellStep
                {
                    Inference = !keep,
                    Rows = rows,
                    Hidden = hidden,
                    InputProjection = c,
                    PreviousCell = cells.AsSpan(0, rows * hidden),
                    Cell = cells.AsSpan(rows * hidden, rows * hidden),
                    Extra = extra,
                    State = hOut,
                    Gates = keep ? gates : c
                };
                Recurrent.Trainer.Cells.LstmCell.Activate(ref step);
            }
        }
        Alternate(rounds, ("gates (+ a copy of C)", 1.0 * length * rows * hidden, Body), ("a copy of C alone", 1.0 * length * rows * hidden,
            () => { for (var t = 0; t < length; t++) pre.CopyTo(c, 0); }
        ));
    }
}
