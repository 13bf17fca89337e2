using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tests.Reference;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// Truncated BPTT: the recurrent edge into each direction's window of k2 steps is detached, in the reference (against
/// finite differences of the loss with the cut states held constant) and in the engine (a window as long as the
/// sequence is full BPTT; a shorter one cuts early inputs' gradient and measures only the window).
/// </summary>
public sealed class TruncationTests
{
    private static readonly ReferenceConfig Deep = new()
    {
        Cell = ReferenceCellKind.Lstm,
        HiddenSize = 2,
        Layers = 2,
        Bidirectional = true,
        Input = ReferenceInputKind.Tokens,
        EmbeddingSize = 2,
        VocabularySize = 5,
        Head = ReferenceHeadKind.MultiClass,
        ClassCount = 3,
    };

    public static TheoryData<ReferenceCellKind, int, bool, int> DetachedShapes => new()
    {
        { ReferenceCellKind.Rnn, 1, false, 1 },
        { ReferenceCellKind.Rnn, 2, true, 2 },
        { ReferenceCellKind.Lstm, 1, false, 2 },
        { ReferenceCellKind.Lstm, 2, true, 1 },
        { ReferenceCellKind.Gru, 1, true, 1 },
        { ReferenceCellKind.Gru, 2, true, 2 },
    };

    /// <summary>
    /// The truncated loss has no finite differences of its own, but the loss whose window-entering states are
    /// held at their current values does, and its gradient is by definition the truncated one.
    /// </summary>
    [Theory]
    [MemberData(nameof(DetachedShapes))]
    public void Truncated_gradients_match_finite_differences_with_the_cut_states_held_constant(
        ReferenceCellKind cell, int layers, bool bidirectional, int k2)
    {
        var config = new ReferenceConfig
        {
            Cell = cell,
            Layers = layers,
            Bidirectional = bidirectional,
            HiddenSize = 2,
            FeatureCount = 3,
            Truncation = k2,
        };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 31);
        ReferenceModel frozen = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 4, ReferenceFixtures.MixedLengths);

        Dictionary<string, double[]> truncated = model.Gradients(batch).Gradients;

        Assert.Equal(model.Loss(batch), model.LossWithDetachedStates(batch, frozen.Parameters), 12);
        Assert.Empty(FiniteDifferences.Mismatches(model, () => model.LossWithDetachedStates(batch, frozen.Parameters), truncated));
        Assert.NotEmpty(FiniteDifferences.Mismatches(model, batch, truncated));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    public void A_window_as_long_as_every_sequence_is_full_bptt(int k2)
    {
        ReferenceModel full = ReferenceModel.CreateRandom(Deep, seed: 3);
        ReferenceModel windowed = ReferenceModel.FromParameters(Deep with { Truncation = k2 }, full.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(Deep, seed: 9, ReferenceFixtures.MixedLengths);

        ReferenceGradients expected = full.Gradients(batch);
        ReferenceGradients actual = windowed.Gradients(batch);

        Assert.Equal(expected.Loss, actual.Loss);
        foreach (string name in full.ParameterNames)
        {
            Assert.Equal(expected.Gradients[name], actual.Gradients[name]);
        }

        for (int b = 0; b < batch.Length; b++)
        {
            Assert.Equal(expected.AdjointNorms[b], actual.AdjointNorms[b], (x, y) => x.FirstStep == y.FirstStep && x.Norms.SequenceEqual(y.Norms));
        }
    }

    [Fact]
    public void A_shorter_window_reports_norms_for_its_steps_only()
    {
        var config = new ReferenceConfig { Cell = ReferenceCellKind.Gru, HiddenSize = 2, FeatureCount = 3 };
        ReferenceModel full = ReferenceModel.CreateRandom(config, seed: 3);
        ReferenceModel windowed = ReferenceModel.FromParameters(config with { Truncation = 2 }, full.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 9, ReferenceFixtures.MixedLengths);

        IReadOnlyList<ReferenceAdjointNorms> expected = full.Gradients(batch).AdjointNorms;
        IReadOnlyList<ReferenceAdjointNorms> actual = windowed.Gradients(batch).AdjointNorms;

        // Lengths 3, 1, 4 with k2 = 2: windows [1, 2], [0, 0], [2, 3]. In a one-layer forward net nothing inside
        // the window depends on the cut behind it, so the norms equal full BPTT's there.
        int[] firstSteps = [1, 0, 2];
        for (int b = 0; b < batch.Length; b++)
        {
            Assert.Equal(firstSteps[b], actual[b].FirstStep);
            Assert.Equal(expected[b].Norms[firstSteps[b]..], actual[b].Norms);
        }
    }

    [Fact]
    public void With_k2_of_one_a_forward_net_learns_W_hh_from_its_last_step_only()
    {
        var config = new ReferenceConfig { HiddenSize = 2, FeatureCount = 3, Truncation = 1 };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 13);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 6, ReferenceFixtures.MixedLengths);
        var p = model.Parameters;
        var expectedW_hh = new double[4];
        var expectedW_xh = new double[6];

        foreach (ReferenceSample sample in batch)
        {
            int last = sample.Length - 1;
            double[][] h = HandTanhRnn(p["layer0.W_xh"], p["layer0.W_hh"], p["layer0.b_xh"], p["layer0.b_hh"], sample.Steps!, Enumerable.Range(0, sample.Length));
            double z = p["head.W"][0] * h[last][0] + p["head.W"][1] * h[last][1] + p["head.b"][0];
            double dz = 1 / (1 + Math.Exp(-z)) - sample.ClassIndex;
            double[] previous = last > 0 ? h[last - 1] : [0, 0];
            for (int i = 0; i < 2; i++)
            {
                double dPre = p["head.W"][i] * dz * (1 - h[last][i] * h[last][i]);
                for (int j = 0; j < 2; j++)
                {
                    expectedW_hh[i * 2 + j] += dPre * previous[j] / batch.Length;
                }

                for (int j = 0; j < 3; j++)
                {
                    expectedW_xh[i * 3 + j] += dPre * sample.Steps![last][j] / batch.Length;
                }
            }
        }

        Dictionary<string, double[]> gradients = model.Gradients(batch).Gradients;

        AssertClose(expectedW_hh, gradients["layer0.W_hh"]);
        AssertClose(expectedW_xh, gradients["layer0.W_xh"]);
        Assert.NotEqual(expectedW_hh[0], ReferenceModel.FromParameters(config with { Truncation = null }, p).Gradients(batch).Gradients["layer0.W_hh"][0], 6);
    }

    [Fact]
    public void With_k2_of_one_the_reverse_direction_learns_W_hh_from_step_zero_only()
    {
        var config = new ReferenceConfig { HiddenSize = 2, FeatureCount = 3, Bidirectional = true, Truncation = 1 };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 13);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 6, ReferenceFixtures.MixedLengths);
        var p = model.Parameters;
        var expected = new double[4];

        foreach (ReferenceSample sample in batch)
        {
            double[][] forward = HandTanhRnn(p["layer0.W_xh"], p["layer0.W_hh"], p["layer0.b_xh"], p["layer0.b_hh"], sample.Steps!, Enumerable.Range(0, sample.Length));
            double[][] reverse = HandTanhRnn(
                p["layer0_reverse.W_xh"], p["layer0_reverse.W_hh"], p["layer0_reverse.b_xh"], p["layer0_reverse.b_hh"], sample.Steps!, Enumerable.Range(0, sample.Length).Reverse());
            double[] u = [forward[sample.Length - 1][0], forward[sample.Length - 1][1], reverse[0][0], reverse[0][1]];
            double z = p["head.b"][0] + Enumerable.Range(0, 4).Sum(j => p["head.W"][j] * u[j]);
            double dz = 1 / (1 + Math.Exp(-z)) - sample.ClassIndex;
            // Step 0 of the reverse direction read the state that step 1 left behind.
            double[] previous = sample.Length > 1 ? reverse[1] : [0, 0];
            for (int i = 0; i < 2; i++)
            {
                double dPre = p["head.W"][2 + i] * dz * (1 - reverse[0][i] * reverse[0][i]);
                for (int j = 0; j < 2; j++)
                {
                    expected[i * 2 + j] += dPre * previous[j] / batch.Length;
                }
            }
        }

        AssertClose(expected, model.Gradients(batch).Gradients["layer0_reverse.W_hh"]);
    }

    /// <summary>h_t = tanh(W x_t + R h_prev + bW + bR) for H = 2, F = 3, visiting steps in the given order.</summary>
    private static double[][] HandTanhRnn(double[] W, double[] R, double[] bW, double[] bR, double[][] x, IEnumerable<int> order)
    {
        var h = new double[x.Length][];
        double[] previous = [0, 0];
        foreach (int t in order)
        {
            h[t] = new double[2];
            for (int i = 0; i < 2; i++)
            {
                double a = bW[i] + bR[i];
                a += W[i * 3 + 0] * x[t][0] + W[i * 3 + 1] * x[t][1] + W[i * 3 + 2] * x[t][2];
                a += R[i * 2 + 0] * previous[0] + R[i * 2 + 1] * previous[1];
                h[t][i] = Math.Tanh(a);
            }

            previous = h[t];
        }

        return h;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, false)]
    [InlineData(RecurrentCellKind.Gru, true)]
    public void Window_as_long_as_the_sequence_equals_full_BPTT(RecurrentCellKind cell, bool bidirectional)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 4, Bidirectional = bidirectional, Seed = 2 };
        var data = EngineFixtures.NumericData(3, 2, [6, 4, 5], HeadKind.Binary, 2, seed: 8);
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        network.ComputeGradients(batch, null, null, 1);
        var full = network.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();
        network.ComputeGradients(batch, 6, null, 1);
        for (var p = 0; p < full.Length; p++)
            Assert.Equal(full[p], network.Parameters[p].Gradient);
    }

    [Fact]
    public void Short_window_cuts_the_gradient_of_early_inputs_and_measures_only_the_window()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 4, Seed = 2 };
        var data = EngineFixtures.NumericData(2, 3, [6, 6], HeadKind.Binary, 2, seed: 8);
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        var adjoints = new AdjointRecorder();
        network.ComputeGradients(batch, null, adjoints, 1);
        Assert.Equal([6, 6], adjoints.WindowLengths.ToArray());
        var fullRecurrent = (float[])network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient.Clone();

        network.ComputeGradients(batch, 2, adjoints, 1);
        Assert.Equal([2, 2], adjoints.WindowLengths.ToArray());
        Assert.All(adjoints.Norms.ToArray(), g => Assert.True(g > 0));
        var truncatedRecurrent = network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient;
        Assert.NotEqual(fullRecurrent, truncatedRecurrent);
    }
}
