using System.Diagnostics;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Bench;

/// <summary>One matrix product of a training or inference step: C [M, N] (+)= A [M, K] · B [K, N].</summary>
/// <param name="Name">What the product is in the step.</param>
/// <param name="M">Rows of C and A.</param>
/// <param name="N">Columns of C and B.</param>
/// <param name="K">The depth: columns of A, rows of B.</param>
/// <param name="TransposedA">A is read transposed (stored as [K, M]), as the weight gradients read ∂L/∂z and x.</param>
/// <param name="PerStep">How many times one training step (or one inference batch) runs it.</param>
/// <param name="Block">The gate block width of a packed B (the hidden size): B is packed as the engine packs it.</param>
public sealed record StepProduct(string Name, int M, int N, int K, bool TransposedA, int PerStep, int Block)
{
    public double Flops => 2.0 * M * N * K;
}

/// <summary>A product timed on one thread: ours, and numpy's sgemm on the same shape when it could be measured.</summary>
public sealed record StepProductTiming(StepProduct Product, double Microseconds, double GigaflopsPerSecond,
    double? SgemmGigaflopsPerSecond);

/// <summary>
/// The products one training step (and one inference batch) of a one-layer network runs, at the shapes the engine
/// gives them on this machine's plan (a worker's rows where a direction splits its sequences, the one-product step
/// over [x_t | h_{t-1}] where it fits a depth block), each timed on one thread.
/// </summary>
public static class StepProducts
{
    public static IReadOnlyList<StepProduct> Of(string cell, int length, int input, int hidden, int batch, int threads)
    {
        var gates = cell switch { "lstm" => 4, "gru" => 3, _ => 1 };
        int width = gates * hidden, rows = length * batch;
        var plan = KernelPlan.Detected;
        var parts = plan.RecurrentParts(batch, threads);
        var workerRows = (batch + parts - 1) / parts;
        var stacked = cell != "gru" && input + hidden <= plan.DepthBlock;
        var perStep = input + hidden <= plan.DepthBlock;
        var products = new List<StepProduct>();
        if (stacked)
        {
            products.Add(new($"forward step [x_t | h_t-1]·[W_xhᵀ ; W_hhᵀ], a worker's rows", workerRows, width,
                input + hidden, false, length * parts, hidden));
        }
        else
        {
            products.Add(perStep
                ? new($"forward x_t·W_xhᵀ per step, a worker's rows", workerRows, width, input, false, length * parts, hidden)
                : new($"forward x·W_xhᵀ, all steps", rows, width, input, false, 1, hidden));
            products.Add(new($"forward step h_t-1·W_hhᵀ, a worker's rows", workerRows, width, hidden, false,
                length * parts, hidden));
        }
        products.Add(new("BPTT step ∂L/∂z·W_hh, a worker's rows", workerRows, hidden, width, false, length * parts, hidden));
        products.Add(new("dW_hh = Σ ∂L/∂zᵀ·h_t-1", width, hidden, rows, true, 1, hidden));
        products.Add(new("dW_hhᵀ = Σ h_t-1ᵀ·∂L/∂z", hidden, width, rows, true, 1, hidden));
        products.Add(input < 32
            ? new("dW_xhᵀ = Σ x_tᵀ·∂L/∂z", input, width, rows, true, 1, hidden)
            : new("dW_xh = Σ ∂L/∂zᵀ·x_t", width, input, rows, true, 1, hidden));
        products.Add(new($"inference step, batch {batch}", batch, width, stacked ? input + hidden : hidden, false,
            length, hidden));
        products.Add(new("inference step, batch 1", 1, width, stacked ? input + hidden : hidden, false, length, hidden));
        return products;
    }

    /// <summary>
    /// Each product timed by us and by numpy's sgemm (<see cref="SgemmPeer"/>) in turn, twice, keeping the faster of
    /// each side's two: a product and its anchor go through the same minutes of the machine. Also says what the
    /// anchor was.
    /// </summary>
    public static (IReadOnlyList<StepProductTiming> Timings, string Anchor) TimeAgainstSgemm(
        IReadOnlyList<StepProduct> products)
    {
        var timings = new List<StepProductTiming>();
        var anchor = "";
        foreach (var product in products)
        {
            StepProductTiming? best = null;
            double? bestSgemm = null;
            for (var pass = 0; pass < 2; pass++)
            {
                var ours = Time([product])[0];
                var (sgemm, description) = SgemmPeer.Measure([product]);
                anchor = description;
                if (best is null || ours.Microseconds < best.Microseconds)
                    best = ours;
                if (sgemm[0] is { } value && (bestSgemm is null || value > bestSgemm))
                    bestSgemm = value;
            }
            timings.Add(best! with { SgemmGigaflopsPerSecond = bestSgemm });
        }
        return (timings, anchor);
    }

    /// <summary>Times each product on this thread: the fastest of 25 rounds of about 2 ms (at 100 GFLOP/s), short
    /// enough that some run undisturbed on a machine other work shares.</summary>
    public static IReadOnlyList<StepProductTiming> Time(IReadOnlyList<StepProduct> products,
        IReadOnlyList<double?>? sgemm = null)
    {
        var rng = new DeterministicRandom(5);
        float[] Random(int length)
        {
            var values = new float[length];
            for (var i = 0; i < values.Length; i++)
                values[i] = (float)rng.NextUniform(-1, 1);
            return values;
        }
        var timings = new List<StepProductTiming>();
        for (var index = 0; index < products.Count; index++)
        {
            var p = products[index];
            var a = Random(p.M * p.K);
            var c = new float[p.M * p.N];
            Action product;
            if (p.TransposedA)
            {
                var b = Random(p.K * p.N);
                product = () => Gemm.Multiply(MatrixView.RowMajor(a, p.K, p.M).Transposed, MatrixView.RowMajor(b, p.K, p.N),
                    new MatrixSpan(c, p.M, p.N), accumulate: false);
            }
            else
            {
                // Weights are packed in gate blocks as the engine packs them.
                var packed = new PackedMatrix(p.K, p.N, p.Block);
                packed.Pack(Random(p.K * p.N));
                var descending = false;
                product = () =>
                {
                    Gemm.Multiply(MatrixView.RowMajor(a, p.M, p.K), packed, new MatrixSpan(c, p.M, p.N), accumulate: true,
                        descending);
                    descending = !descending;
                };
            }
            var (microseconds, gflops) = Measure(p.Flops, product);
            timings.Add(new StepProductTiming(p, microseconds, gflops, sgemm?[index]));
        }
        return timings;
    }

    public const int Rounds = 25;

    private static (double Microseconds, double Gflops) Measure(double flops, Action product)
    {
        var repetitions = Math.Max(3, (int)(2e8 / flops));
        product();
        var best = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < repetitions; i++)
                product();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / repetitions);
        }
        return (best, flops / best / 1e3);
    }
}
