using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Training;

/// <summary>
/// Starting weights: Glorot uniform for input and head weights, the chosen scheme for W_hh (Glorot, orthogonal, or
/// the identity of the IRNN), zero biases except the LSTM forget gate's and the skip gates' (b_p = 1), N(0, 1)
/// embeddings.
/// </summary>
internal static class Initializer
{
    public static void Initialize(SequenceNetwork network, SequenceModelOptions options, DeterministicRandom rng)
    {
        // Orthogonal and echo-state W_hh cost O(H^3) and O(H^2) per block (minutes at H = 4096), so a cancel named
        // for the training thread is honoured inside them, not only once training steps begin.
        var cancel = StepCancellation.Current;
        if (network.Embedding is { } embedding)
        {
            for (var i = 0; i < embedding.Length; i++)
                embedding.Value[i] = (float)rng.NextGaussian();
        }
        foreach (var layer in network.Layers)
        {
            foreach (var direction in layer)
            {
                var hidden = direction.Hidden;
                var gates = direction.Cell.GateCount;
                for (var g = 0; g < gates; g++)
                {
                    Glorot(direction.InputWeights.Value.AsSpan(g * hidden * direction.InputSize, hidden * direction.InputSize),
                        direction.InputSize, hidden, rng);
                    var block = direction.RecurrentWeights.Value.AsSpan(g * hidden * hidden, hidden * hidden);
                    switch (options.RecurrentInit)
                    {
                        case RecurrentInit.Identity: Identity(block, hidden); break;
                        case RecurrentInit.Orthogonal: Orthogonal(block, hidden, rng, cancel); break;
                        case RecurrentInit.EchoState: EchoState(block, hidden, options.SpectralRadius, rng, cancel); break;
                        default: Glorot(block, hidden, hidden, rng); break;
                    }
                }
                direction.InputBias?.Value.AsSpan().Clear();
                direction.RecurrentBias?.Value.AsSpan().Clear();
                // Gate order i, o, f, c: the forget gate is the third block.
                if (options.Cell == RecurrentCellKind.Lstm && direction.InputBias is { } bias)
                    bias.Value.AsSpan(2 * hidden, hidden).Fill(options.ForgetGateBias);
                // The skip gate opens at first (Δũ ≈ σ(1)), so training starts from updating every step.
                if (direction.SkipGate is { } skip)
                {
                    Glorot(skip.Weights.Value, skip.StateWidth, 1, rng);
                    skip.Bias.Value[0] = SkipUpdateGate.InitialBias;
                }
            }
        }
        Glorot(network.Head.Weights.Value, network.Head.InputSize, network.Head.Outputs, rng);
        network.Head.Bias?.Value.AsSpan().Clear();
    }

    private static void Glorot(Span<float> weights, int fanIn, int fanOut, DeterministicRandom rng)
    {
        var bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (var i = 0; i < weights.Length; i++)
            weights[i] = (float)rng.NextUniform(-bound, bound);
    }

    // A Gaussian reservoir rescaled to the requested spectral radius ρ, estimated by Gelfand's formula
    // ρ = lim ‖W^k v‖^{1/k}, which, unlike plain power iteration, also settles when the dominant eigenvalues are a
    // complex pair.
    private static void EchoState(Span<float> block, int size, float spectralRadius, DeterministicRandom rng,
        CancellationToken cancel)
    {
        var w = new double[size * size];
        for (var i = 0; i < w.Length; i++)
            w[i] = rng.NextGaussian() / Math.Sqrt(size);
        var v = new double[size];
        var next = new double[size];
        for (var i = 0; i < size; i++)
            v[i] = rng.NextGaussian();
        const int warmup = 50, measured = 200;
        var logGrowth = 0.0;
        for (var k = 0; k < warmup + measured; k++)
        {
            cancel.ThrowIfCancellationRequested();
            var norm = 0.0;
            for (var i = 0; i < size; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < size; j++)
                    sum += w[i * size + j] * v[j];
                next[i] = sum;
                norm += sum * sum;
            }
            norm = Math.Sqrt(norm);
            if (norm == 0)
                break;
            if (k >= warmup)
                logGrowth += Math.Log(norm);
            for (var i = 0; i < size; i++)
                v[i] = next[i] / norm;
        }
        var radius = Math.Exp(logGrowth / measured);
        var scale = radius > 0 ? spectralRadius / radius : 0;
        for (var i = 0; i < w.Length; i++)
            block[i] = (float)(w[i] * scale);
    }

    private static void Identity(Span<float> block, int size)
    {
        block.Clear();
        for (var i = 0; i < size; i++)
            block[i * size + i] = 1f;
    }

    // Modified Gram–Schmidt on the rows of a Gaussian matrix, in double: the rows come out orthonormal.
    private static void Orthogonal(Span<float> block, int size, DeterministicRandom rng, CancellationToken cancel)
    {
        var q = new double[size * size];
        for (var i = 0; i < q.Length; i++)
            q[i] = rng.NextGaussian();
        for (var i = 0; i < size; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var row = q.AsSpan(i * size, size);
            for (var j = 0; j < i; j++)
            {
                var previous = q.AsSpan(j * size, size);
                var dot = 0.0;
                for (var k = 0; k < size; k++)
                    dot += row[k] * previous[k];
                for (var k = 0; k < size; k++)
                    row[k] -= dot * previous[k];
            }
            var norm = 0.0;
            foreach (var v in row)
                norm += v * v;
            norm = Math.Sqrt(norm);
            for (var k = 0; k < size; k++)
                row[k] /= norm;
        }
        for (var i = 0; i < q.Length; i++)
            block[i] = (float)q[i];
    }
}
