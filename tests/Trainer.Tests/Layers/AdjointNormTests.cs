using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tests.Reference;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// The adjoint norms g_t = ‖∂L_b/∂s_t‖ that the vanishing diagnostics divide. The reference's norms equal the length
/// of the state adjoint measured directly: nudge a component of the state s_t of layer 0's forward direction (h_t
/// everywhere it is read, c_t only where step t+1 reads it) and take the central difference of the loss. The
/// engine's sum of squares behind its norms stays exact for adjoints that have vanished by twenty orders of
/// magnitude, where squaring in float underflows.
/// </summary>
public sealed class AdjointNormTests
{
    public static TheoryData<ReferenceCellKind, bool, int, bool> Shapes => new()
    {
        { ReferenceCellKind.Rnn, false, 1, false },
        { ReferenceCellKind.Rnn, true, 2, true },
        { ReferenceCellKind.Lstm, false, 1, false },
        { ReferenceCellKind.Lstm, true, 2, true },
        { ReferenceCellKind.Gru, false, 1, false },
        { ReferenceCellKind.Gru, true, 2, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Norms_equal_the_length_of_the_measured_state_adjoint(ReferenceCellKind cell, bool linearBeforeReset, int layers, bool bidirectional)
    {
        var config = new ReferenceConfig
        {
            Cell = cell,
            LinearBeforeReset = linearBeforeReset,
            Layers = layers,
            Bidirectional = bidirectional,
            HiddenSize = 2,
            FeatureCount = 3,
        };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 21);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 8, ReferenceFixtures.MixedLengths);
        int stateWidth = cell == ReferenceCellKind.Lstm ? 2 * config.HiddenSize : config.HiddenSize;

        IReadOnlyList<ReferenceAdjointNorms> norms = model.Gradients(batch).AdjointNorms;

        Assert.Equal(batch.Length, norms.Count);
        for (int b = 0; b < batch.Length; b++)
        {
            Assert.Equal(0, norms[b].FirstStep);
            Assert.Equal(batch[b].Length, norms[b].Norms.Length);
            for (int t = 0; t < batch[b].Length; t++)
            {
                double sumOfSquares = 0;
                for (int j = 0; j < stateWidth; j++)
                {
                    // The loss is a batch mean; g_t is defined on the sample's own loss L_b.
                    double component = batch.Length * FiniteDifferences.StateDerivative(model, batch, b, t, j);
                    sumOfSquares += component * component;
                }

                double measured = Math.Sqrt(sumOfSquares);
                Assert.True(
                    FiniteDifferences.Close(measured, norms[b].Norms[t]),
                    $"sample {b} step {t}: reported {norms[b].Norms[t]:R}, measured {measured:R}");
            }
        }
    }

    [Fact]
    public void Lstm_norms_include_the_memory_cell()
    {
        var config = new ReferenceConfig { Cell = ReferenceCellKind.Lstm, HiddenSize = 2, FeatureCount = 3 };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 21);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 8, 4);
        double[] norms = model.Gradients(batch).AdjointNorms[0].Norms;

        double hiddenOnly = Math.Sqrt(Enumerable.Range(0, config.HiddenSize)
            .Sum(j => Math.Pow(FiniteDifferences.StateDerivative(model, batch, 0, 1, j), 2)));

        // At the last step c_t feeds nothing, so only h counts; earlier, c's share must show.
        Assert.True(norms[1] > hiddenOnly + 1e-6, $"g_1 = {norms[1]:R} should exceed the h-part {hiddenOnly:R}");
        Assert.True(norms[3] > 0);
    }

    [Theory]
    [InlineData(1e-24f, 37)]
    [InlineData(3e-30f, 64)]
    [InlineData(1e-40f, 9)]
    [InlineData(1e15f, 33)]
    [InlineData(0.5f, 1)]
    public void Sum_of_squares_is_exact_from_denormals_to_large_values(float value, int length)
    {
        var x = Enumerable.Range(0, length).Select(i => i % 2 == 0 ? value : -value).ToArray();
        var expected = length * (double)value * value;
        var actual = GateMath.SumOfSquares(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * expected, $"{actual:E6} vs {expected:E6}");
    }

    [Fact]
    public void A_float_sum_would_have_reported_zero()
    {
        var x = Enumerable.Repeat(1e-24f, 32).ToArray();
        Assert.Equal(0f, System.Numerics.Tensors.TensorPrimitives.SumOfSquares(x));
        Assert.True(GateMath.SumOfSquares(x) > 0);
    }
}
