using System.Diagnostics;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Bench;

/// <summary>One product the kernel benchmark timed, on one thread.</summary>
/// <param name="Name">What the product is and how B is laid out.</param>
/// <param name="Microseconds">The fastest of several timed rounds, per product.</param>
/// <param name="GigaflopsPerSecond">2·m·n·k over that time.</param>
public sealed record KernelTiming(string Name, double Microseconds, double GigaflopsPerSecond);

/// <summary>
/// The matrix products an LSTM with H = 512 and I = 64 runs per step and per training step, on one thread, with B
/// as it comes (rows a matrix width apart) and packed: what the packing and the batch-1 walking order buy.
/// </summary>
public static class KernelBenchmark
{
    private const int Hidden = 512, Gates = 4 * Hidden, Batch = 64;

    public static IReadOnlyList<KernelTiming> Run()
    {
        var rng = new DeterministicRandom(3);
        float[] Random(int length)
        {
            var values = new float[length];
            for (var i = 0; i < values.Length; i++)
                values[i] = (float)rng.NextUniform(-1, 1);
            return values;
        }
        var w = Random(Gates * Hidden);
        var transposed = new float[Hidden * Gates];
        Workspace.Transpose(w, Gates, Hidden, transposed);
        var packedTransposed = new PackedMatrix(Hidden, Gates, Hidden);
        packedTransposed.PackTransposeOf(w);
        var packed = new PackedMatrix(Gates, Hidden, Hidden);
        packed.Pack(w);
        var h = Random(Batch * Hidden);
        var z = Random(Batch * Gates);
        var c = new float[Batch * Gates];
        var descending = false;
        var timings = new List<KernelTiming>
        {
            Time($"h·W_hhᵀ, batch {Batch} ({Batch}×{Gates}×{Hidden}), B strided", Batch, Gates, Hidden, () =>
                Gemm.Multiply(MatrixView.RowMajor(h, Batch, Hidden), MatrixView.RowMajor(transposed, Hidden, Gates),
                    new MatrixSpan(c, Batch, Gates), accumulate: false)),
            Time($"h·W_hhᵀ, batch {Batch}, B packed", Batch, Gates, Hidden, () =>
                Gemm.Multiply(MatrixView.RowMajor(h, Batch, Hidden), packedTransposed, new MatrixSpan(c, Batch, Gates),
                    accumulate: false)),
            Time($"h·W_hhᵀ, batch 1 (1×{Gates}×{Hidden}, 4 MiB of B), B strided", 1, Gates, Hidden, () =>
                Gemm.Multiply(MatrixView.RowMajor(h, 1, Hidden), MatrixView.RowMajor(transposed, Hidden, Gates),
                    new MatrixSpan(c, 1, Gates), accumulate: false)),
            Time("h·W_hhᵀ, batch 1, B packed, one way", 1, Gates, Hidden, () =>
                Gemm.Multiply(MatrixView.RowMajor(h, 1, Hidden), packedTransposed, new MatrixSpan(c, 1, Gates),
                    accumulate: false)),
            Time("h·W_hhᵀ, batch 1, B packed, alternating ways", 1, Gates, Hidden, () =>
            {
                Gemm.Multiply(MatrixView.RowMajor(h, 1, Hidden), packedTransposed, new MatrixSpan(c, 1, Gates),
                    accumulate: false, descending);
                descending = !descending;
            }),
            Time($"∂L/∂z·W_hh in BPTT ({Batch / 2}×{Hidden}×{Gates}, one thread's rows), strips copied", Batch / 2,
                Hidden, Gates, () =>
                    Gemm.Multiply(MatrixView.RowMajor(z, Batch / 2, Gates), MatrixView.RowMajor(w, Gates, Hidden),
                        new MatrixSpan(c, Batch / 2, Hidden), accumulate: false)),
            Time($"∂L/∂z·W_hh in BPTT, W_hh packed", Batch / 2, Hidden, Gates, () =>
                Gemm.Multiply(MatrixView.RowMajor(z, Batch / 2, Gates), packed, new MatrixSpan(c, Batch / 2, Hidden),
                    accumulate: false)),
        };
        // dW_hh = Σ_t ∂L/∂z_tᵀ·h_{t-1} over 10 steps of the batch, one thread's half of the 4H rows: A is read
        // transposed, its elements of one k a gate width apart. Both ways alternate round by round.
        var stacked = Random(WeightGradientSteps * Batch * Gates);
        var states = Random(WeightGradientSteps * Batch * Hidden);
        var gradient = new float[Gates * Hidden];
        void WeightGradient(KernelPlan plan)
        {
            using (KernelPlan.Use(plan))
                Gemm.Multiply(MatrixView.RowMajor(stacked, WeightGradientSteps * Batch, Gates).Transposed.RowRange(0, Gates / 2),
                    MatrixView.RowMajor(states, WeightGradientSteps * Batch, Hidden),
                    new MatrixSpan(gradient, Gates / 2, Hidden), accumulate: false);
        }
        var inPlace = KernelPlan.Active with { PackTransposedAFromStrideBytes = long.MaxValue };
        var panelByPanel = inPlace with { TransposedADepthBlock = 0 };
        var packedA = KernelPlan.Active with { PackTransposedAFromStrideBytes = 0 };
        timings.AddRange(TimeAlternating(Gates / 2, Hidden, WeightGradientSteps * Batch,
            ($"Σ ∂L/∂zᵀ·h for dW_hh ({Gates / 2}×{Hidden}×{WeightGradientSteps * Batch}), A in place, panel by panel",
                () => WeightGradient(panelByPanel)),
            ("Σ ∂L/∂zᵀ·h for dW_hh, A in place, row tiles first", () => WeightGradient(inPlace)),
            ("Σ ∂L/∂zᵀ·h for dW_hh, A packed in row tiles", () => WeightGradient(packedA))));
        // The batch-64 product with eight-row tiles (sixteen accumulators: AVX-512's), six-row ones (twelve: AVX2's)
        // and four-row ones (eight), on this machine's registers.
        void RecurrentProduct(KernelPlan plan)
        {
            using (KernelPlan.Use(plan))
                Gemm.Multiply(MatrixView.RowMajor(h, Batch, Hidden), packedTransposed, new MatrixSpan(c, Batch, Gates),
                    accumulate: false);
        }
        timings.AddRange(TimeAlternating(Batch, Gates, Hidden, new[] { 8, 6, 4 }
            .Select(rows => ($"h·W_hhᵀ, batch {Batch}, B packed, {rows}-row tiles",
                (Action)(() => RecurrentProduct(KernelPlan.Active with { TileRows = rows })))).ToArray()));
        // The same product with 16- and 32-column panels: a panel as wide as the tile pair, or twice as wide (on a
        // 256-bit machine, where the tiles then copy each strip again).
        var panels16 = new PackedMatrix(Hidden, Gates, Hidden, panelWidth: 16);
        var panels32 = new PackedMatrix(Hidden, Gates, Hidden, panelWidth: 32);
        panels16.PackTransposeOf(w);
        panels32.PackTransposeOf(w);
        timings.AddRange(TimeAlternating(Batch, Gates, Hidden,
            ($"h·W_hhᵀ, batch {Batch}, 16-column panels", () =>
                Gemm.Multiply(MatrixView.RowMajor(h, Batch, Hidden), panels16, new MatrixSpan(c, Batch, Gates),
                    accumulate: false)),
            ($"h·W_hhᵀ, batch {Batch}, 32-column panels", () =>
                Gemm.Multiply(MatrixView.RowMajor(h, Batch, Hidden), panels32, new MatrixSpan(c, Batch, Gates),
                    accumulate: false))));
        // A hidden size that is not a multiple of the tile width: the recurrent product of one thread's rows at
        // H = 24 (16 + 8 columns per gate block) against H = 32 (one tile pair per block).
        foreach (var hidden in new[] { 24, 32 })
        {
            var small = new PackedMatrix(hidden, 4 * hidden, hidden);
            small.PackTransposeOf(Random(4 * hidden * hidden));
            var input = Random(Batch / 2 * hidden);
            var output = new float[Batch / 2 * 4 * hidden];
            timings.Add(Time($"h·W_hhᵀ at H = {hidden}, batch {Batch / 2} ({Batch / 2}×{4 * hidden}×{hidden}), packed",
                Batch / 2, 4 * hidden, hidden, () =>
                    Gemm.Multiply(MatrixView.RowMajor(input, Batch / 2, hidden), small,
                        new MatrixSpan(output, Batch / 2, 4 * hidden), accumulate: false)));
        }
        return timings;
    }

    private const int WeightGradientSteps = 10;

    /// <summary>The choices the kernels made for this machine (`recurrent bench --kernels` prints them first).</summary>
    public static IEnumerable<string> Plan() => KernelPlan.Detected.Describe();

    // Several ways of one product, timed round by round in turn (best of seven rounds each), so the machine's drift
    // touches them alike.
    private static IEnumerable<KernelTiming> TimeAlternating(int m, int n, int k, params (string Name, Action Product)[] ways)
    {
        var flops = 2.0 * m * n * k;
        var repetitions = Math.Max(5, (int)(2e9 / flops));
        var best = new double[ways.Length];
        Array.Fill(best, double.MaxValue);
        foreach (var way in ways)
            way.Product();
        for (var round = 0; round < 7; round++)
        {
            for (var w = 0; w < ways.Length; w++)
            {
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < repetitions; i++)
                    ways[w].Product();
                best[w] = Math.Min(best[w], Stopwatch.GetElapsedTime(start).TotalMicroseconds / repetitions);
            }
        }
        return ways.Select((way, w) => new KernelTiming(way.Name, best[w], flops / best[w] / 1e3)).ToArray();
    }

    // The fastest of seven rounds of repetitions worth about 20 ms each: the least disturbed by the machine's drift.
    private static KernelTiming Time(string name, int m, int n, int k, Action product)
    {
        var flops = 2.0 * m * n * k;
        var repetitions = Math.Max(5, (int)(2e9 / flops));
        product();
        var best = double.MaxValue;
        for (var round = 0; round < 7; round++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < repetitions; i++)
                product();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / repetitions);
        }
        return new KernelTiming(name, best, flops / best / 1e3);
    }
}
