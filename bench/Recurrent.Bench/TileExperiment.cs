using Recurrent.Trainer.Kernels;

namespace Recurrent.Bench;

/// <summary>
/// The products of a training step under plans that differ in one choice (RECURRENT_EXPERIMENT=tiles; EXP_H 128 or
/// 512, EXP_ROUNDS): the detected plan, four-row tiles only, and depth blocks of 256 and 320, alternating round by
/// round, each timed by wall clock and the thread's CPU time (Experiments.Alternate). The per-step products use the
/// packed weights as training does; the weight gradient reads ∂L/∂z transposed.
/// </summary>
internal static class TileExperiment
{
    public static void Run()
    {
        Console.WriteLine($"transposed A: {KernelPlan.Detected.PackingOrigin}");
        if (Environment.GetEnvironmentVariable("EXP_DW") == "steps")
        {
            WholeSteps();
            return;
        }
        if (Environment.GetEnvironmentVariable("EXP_DW") == "strides")
        {
            WeightGradientStrides();
            return;
        }
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128", System.Globalization.CultureInfo.InvariantCulture);
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        var input = hidden == 512 ? 64 : 28;
        int gates = 4 * hidden, rows = 32, steps = hidden == 512 ? 100 : 28;
        var detected = KernelPlan.Detected;
        var plans = new (string Name, KernelPlan Plan)[]
        {
            ($"detected ({detected.TileRows}-row tiles, depth {detected.DepthBlock})", detected),
            ("4-row tiles", detected with { TileRows = 4 }),
            ("depth 256", detected with { DepthBlock = 256 }),
            ("depth 320", detected with { DepthBlock = 320 }),
        };
        var rng = new Recurrent.Trainer.Data.Synthetic.DeterministicRandom(5);
        float[] Random(int n)
        {
            var v = new float[n];
            for (var i = 0; i < n; i++)
                v[i] = (float)rng.NextUniform(-1, 1);
            return v;
        }
        void Compare(string title, int m, int n, int k, Action product)
        {
            Console.WriteLine($"{title} ({m}×{n}×{k})");
            Experiments.Alternate(2.0 * m * n * k, rounds, plans.Select(p => (p.Name, (Action)(() =>
            {
                using (KernelPlan.Use(p.Plan))
                    product();
            }))).ToArray());
        }
        // Forward step: [x_t | h_{t-1}]·[W_xhᵀ ; W_hhᵀ] (H = 128) or h_{t-1}·W_hhᵀ (H = 512), a worker's rows.
        var depth = hidden == 512 ? hidden : input + hidden;
        var forwardB = new PackedMatrix(depth, gates, hidden);
        forwardB.PackTransposeOf(Random(gates * depth));
        var forwardA = Random(rows * depth);
        var forwardC = new float[rows * gates];
        Compare("forward step, packed", rows, gates, depth, () =>
            Gemm.Multiply(MatrixView.RowMajor(forwardA, rows, depth), forwardB, new MatrixSpan(forwardC, rows, gates), false));
        // BPTT step: ∂L/∂z·W_hh, a worker's rows.
        var bpttB = new PackedMatrix(gates, hidden, hidden);
        bpttB.Pack(Random(gates * hidden));
        var bpttA = Random(rows * gates);
        var bpttC = new float[rows * hidden];
        Compare("BPTT step, packed", rows, hidden, gates, () =>
            Gemm.Multiply(MatrixView.RowMajor(bpttA, rows, gates), bpttB, new MatrixSpan(bpttC, rows, hidden), false));
        // The weight gradient, one thread's half of the 4H rows: Σ ∂L/∂zᵀ·[x | h] over T·B rows (k).
        var k = steps * 64;
        var columns = hidden == 512 ? hidden : 160;
        var dz = Random(k * gates);
        var states = Random(k * columns);
        var gradient = new float[gates / 2 * columns];
        Compare("weight gradient, Aᵀ", gates / 2, columns, k, () =>
            Gemm.Multiply(MatrixView.RowMajor(dz, k, gates).Transposed.RowRange(0, gates / 2),
                MatrixView.RowMajor(states, k, columns), new MatrixSpan(gradient, gates / 2, columns), false));
    }

    // Whole one-thread training steps of each cell at T=28 I=28 H=128 B=64 (diagnostics off), the weight gradients'
    // A read in place against packed from 512 B of k-stride on, alternating step by step on this thread.
    private static void WholeSteps()
    {
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var cell in new[] { "lstm", "gru", "rnn" })
        {
            var session = TrainingBenchmark.Start(new Recurrent.Trainer.SequenceModelOptions
            {
                Cell = Enum.Parse<Microsoft.ML.RecurrentCellKind>(cell, ignoreCase: true),
                HiddenSize = 128,
                Threads = 1,
                CollectAdjointNorms = false,
            }, 28, 28, 64, warmup: 5);
            Console.WriteLine($"{cell} T=28 I=28 H=128 B=64, one thread, whole training steps");
            Experiments.Alternate(1e9, rounds,
                ("weight gradients' A in place", () =>
                {
                    using (KernelPlan.Use(KernelPlan.Detected with { PackTransposedAFromStrideBytes = long.MaxValue }))
                        session.Step();
                }
            ),
                ("A packed from 512 B of k-stride", () =>
                {
                    using (KernelPlan.Use(KernelPlan.Detected with { PackTransposedAFromStrideBytes = 512 }))
                        session.Step();
                }
            ));
        }
    }

    // One thread's half of the weight-gradient product of each cell at H = 128 (T·B = 1792 rows of k): the LSTM's
    // joint product (k-stride 4H = 2 KiB, 160 columns), the GRU's (3H = 1.5 KiB, 160) and the tanh RNN's dW_hh
    // (H = 512 B, 128), A read in place (row tiles first) against packed in row tiles, alternating.
    private static void WeightGradientStrides()
    {
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        var rng = new Recurrent.Trainer.Data.Synthetic.DeterministicRandom(7);
        const int k = 1792;
        foreach (var (name, stride, columns) in new[] { ("LSTM", 512, 160), ("GRU", 384, 160), ("RNN", 128, 128) })
        {
            var a = new float[k * stride];
            var b = new float[k * columns];
            for (var i = 0; i < a.Length; i++)
                a[i] = (float)rng.NextUniform(-1, 1);
            for (var i = 0; i < b.Length; i++)
                b[i] = (float)rng.NextUniform(-1, 1);
            var m = stride / 2;
            var c = new float[m * columns];
            void Product(KernelPlan plan)
            {
                using (KernelPlan.Use(plan))
                    Gemm.Multiply(new MatrixView(a, m, k, 1, stride), MatrixView.RowMajor(b, k, columns), new MatrixSpan(c, m, columns), false);
            }
            Console.WriteLine($"{name} weight gradient, Aᵀ {m}×{columns}×{k}, k-stride {stride * sizeof(float)} B");
            Experiments.Alternate(2.0 * m * columns * k, rounds,
                ("in place, row tiles first", () => Product(KernelPlan.Detected with { PackTransposedAFromStrideBytes = long.MaxValue })),
                ("A packed in row tiles", () => Product(KernelPlan.Detected with { PackTransposedAFromStrideBytes = 0 })));
        }
    }
}
