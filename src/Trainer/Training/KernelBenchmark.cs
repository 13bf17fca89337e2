using System.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Training;

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
        Tensors.Workspace.Transpose(w, Gates, Hidden, transposed);
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
                Gemm.Multiply(h, Hidden, 1, transposed, Gates, c, Gates, Batch, Gates, Hidden, accumulate: false)),
            Time($"h·W_hhᵀ, batch {Batch}, B packed", Batch, Gates, Hidden, () =>
                Gemm.Multiply(h, Hidden, 1, packedTransposed, 0, Gates, c, Gates, Batch, accumulate: false)),
            Time($"h·W_hhᵀ, batch 1 (1×{Gates}×{Hidden}, 4 MiB of B), B strided", 1, Gates, Hidden, () =>
                Gemm.Multiply(h, Hidden, 1, transposed, Gates, c, Gates, 1, Gates, Hidden, accumulate: false)),
            Time("h·W_hhᵀ, batch 1, B packed, one way", 1, Gates, Hidden, () =>
                Gemm.Multiply(h, Hidden, 1, packedTransposed, 0, Gates, c, Gates, 1, accumulate: false)),
            Time("h·W_hhᵀ, batch 1, B packed, alternating ways", 1, Gates, Hidden, () =>
            {
                Gemm.Multiply(h, Hidden, 1, packedTransposed, 0, Gates, c, Gates, 1, accumulate: false, descending);
                descending = !descending;
            }),
            Time($"∂L/∂z·W_hh in BPTT ({Batch / 2}×{Hidden}×{Gates}, one thread's rows), strips copied", Batch / 2,
                Hidden, Gates, () =>
                    Gemm.Multiply(z, Gates, 1, w, Hidden, c, Hidden, Batch / 2, Hidden, Gates, accumulate: false)),
            Time($"∂L/∂z·W_hh in BPTT, W_hh packed", Batch / 2, Hidden, Gates, () =>
                Gemm.Multiply(z, Gates, 1, packed, 0, Hidden, c, Hidden, Batch / 2, accumulate: false)),
        };
        return timings;
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
