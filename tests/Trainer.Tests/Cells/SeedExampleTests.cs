using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Cells;

/// <summary>Seed 001's many-to-one example: three one-hot words, hidden size 1, no biases, sigmoid output.</summary>
public class SeedExampleTests
{
    // cat = [1 0 0], mat = [0 1 0], rat = [0 0 1]; "cat mat rat" → 1, "rat rat mat" → 1, "mat mat cat" → 0.
    private static readonly (int[] Words, int Label)[] Sentences = [([0, 1, 2], 1), ([2, 2, 1], 1), ([1, 1, 0], 0)];

    private static SequenceDataset ToyData()
    {
        var examples = Sentences.Select(s =>
        {
            var steps = new float[s.Words.Length * 3];
            for (var t = 0; t < s.Words.Length; t++)
                steps[t * 3 + s.Words[t]] = 1f;
            return SequenceExample.FromSteps(steps, 3, s.Label);
        }).ToArray();
        return new SequenceDataset("seed-toy", InputKind.Numeric, 3, null, LabelSet.Classes(["0", "1"]), examples);
    }

    [Fact]
    public void Engine_gradients_equal_the_seeds_sum_over_time_formulas()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 1, UseBias = false };
        var data = ToyData();
        var network = EngineFixtures.Network(options, data);
        double[] wi = network.Parameters.Single(p => p.Name == "layer0.W_xh").Value.Select(v => (double)v).ToArray();
        double wh = network.Parameters.Single(p => p.Name == "layer0.W_hh").Value[0];
        double wo = network.Parameters.Single(p => p.Name == "head.W").Value[0];

        foreach (var (words, label) in Sentences)
        {
            var single = data.Subset([Array.FindIndex(Sentences, s => s.Words == words)]);
            network.ComputeGradients(EngineFixtures.Batch(single), null, null, 1);

            // o_t = tanh(x_t·w_i + o_{t-1} w_h), ŷ = σ(o_3 w_o), L = BCE: ∂L/∂o_3 = (ŷ − y) w_o.
            var o = new double[4];
            var a = new double[4];
            for (var t = 1; t <= 3; t++)
            {
                a[t] = wi[words[t - 1]] + o[t - 1] * wh;
                o[t] = Math.Tanh(a[t]);
            }
            var yHat = 1 / (1 + Math.Exp(-o[3] * wo));
            var dLdo3 = (yHat - label) * wo;
            var dLdwi = new double[3];
            var dLdwh = 0.0;
            for (var j = 1; j <= 3; j++)
            {
                // ∂o_3/∂o_j = Π_{k=j+1..3} tanh'(a_k) w_h: the product that vanishes for long sequences.
                var chain = 1.0;
                for (var k = j + 1; k <= 3; k++)
                    chain *= (1 - o[k] * o[k]) * wh;
                var local = dLdo3 * chain * (1 - o[j] * o[j]);
                dLdwi[words[j - 1]] += local;
                dLdwh += local * o[j - 1];
            }
            var engineWi = network.Parameters.Single(p => p.Name == "layer0.W_xh").Gradient;
            for (var i = 0; i < 3; i++)
                Assert.Equal(dLdwi[i], engineWi[i], 1e-6);
            Assert.Equal(dLdwh, network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient[0], 1e-6);
            Assert.Equal((yHat - label) * o[3], network.Parameters.Single(p => p.Name == "head.W").Gradient[0], 1e-6);
        }
    }

    [Fact]
    public void The_three_sentences_are_learnt_completely()
    {
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 1,
            UseBias = false,
            Optimizer = RecurrentOptimizerKind.Sgd,
            LearningRate = 0.5f,
            Epochs = 300,
            BatchSize = 3,
            Seed = 1,
        };
        var model = new SequenceModelTrainer(options).Fit(ToyData());
        var evaluation = model.Evaluate(ToyData());
        Assert.Equal(1.0, evaluation.Accuracy);
        Assert.True(evaluation.Loss < 0.2, $"loss {evaluation.Loss}");
    }
}
