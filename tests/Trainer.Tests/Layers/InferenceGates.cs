using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// Inference runs faster σ and tanh than training (FastActivations), within a few float roundings of the same values.
/// Tests switch inference to training's functions to check the rest of its path bit for bit, and compare the fast
/// path with training's within the tolerances stated here.
/// </summary>
internal static class InferenceGates
{
    /// <summary>The largest relative difference allowed on a class probability (softmax of the logits).</summary>
    public const double ProbabilityTolerance = 1e-6;

    /// <summary>The largest difference allowed on a logit or regression value, relative to max(1, |value|).</summary>
    public const double ValueTolerance = 1e-6;

    public static void UseExact(IEnumerable<RecurrentDirection> directions, bool exact = true)
    {
        foreach (var direction in directions)
            direction.ExactInferenceGates = exact;
    }

    public static void UseExact(SequenceNetwork network, bool exact = true) =>
        UseExact(network.Layers.SelectMany(layer => layer), exact);

    /// <summary>
    /// Rows of <paramref name="classes"/> logits: each softmax probability within <see cref="ProbabilityTolerance"/>
    /// relative of the expected one, and each logit within <see cref="ValueTolerance"/>. Returns the largest relative
    /// probability difference (for a test to report).
    /// </summary>
    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int classes)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= ValueTolerance * Math.Max(1, Math.Abs(expected[i])),
                $"logit {i}: {actual[i]:R}, training's {expected[i]:R}");
        }
        if (classes < 2)
            return worst;
        for (var row = 0; row < expected.Length; row += classes)
        {
            var p = Softmax(expected.Slice(row, classes));
            var q = Softmax(actual.Slice(row, classes));
            for (var c = 0; c < classes; c++)
            {
                var difference = Math.Abs(p[c] - q[c]) / p[c];
                Assert.True(difference <= ProbabilityTolerance, $"row {row / classes} class {c}: p = {q[c]:R}, training's {p[c]:R}");
                worst = Math.Max(worst, difference);
            }
        }
        return worst;
    }

    private static double[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var z in logits)
            max = Math.Max(max, z);
        var e = new double[logits.Length];
        for (var i = 0; i < e.Length; i++)
            e[i] = Math.Exp(logits[i] - max);
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
