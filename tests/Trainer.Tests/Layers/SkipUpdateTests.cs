using Microsoft.ML;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tests.Reference;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// The engine's skip gates (Campos et al.'s Skip RNN) beyond their gradients, which EngineVersusReferenceTests
/// checks: inference, which runs the cell only for the rows that update, gives the training forward pass's logits
/// bit for bit; padding is invisible; a gate that always opens is the plain network bit for bit; a skipped step hands
/// the state's adjoint back unchanged; the thread count changes no bit; the model file keeps the gates.
/// </summary>
public sealed class SkipUpdateTests
{
    [Theory]
    [InlineData(RecurrentCellKind.Rnn, 1, false, 9, 1, -0.4f)]
    [InlineData(RecurrentCellKind.Lstm, 1, false, 9, 2, -0.4f)]
    [InlineData(RecurrentCellKind.Lstm, 2, true, 11, 2, -0.8f)]
    [InlineData(RecurrentCellKind.Lstm, 1, false, 1, 1, -0.4f)]
    [InlineData(RecurrentCellKind.Gru, 2, false, 8, 1, -0.4f)]
    [InlineData(RecurrentCellKind.Gru, 1, true, 3, 2, -0.8f)]
    [InlineData(RecurrentCellKind.Rnn, 2, true, 16, 2, -5f)]
    public void Inference_skips_rows_and_still_gives_the_training_forward_logits_bit_for_bit(RecurrentCellKind cell, int layers,
        bool bidirectional, int batch, int threads, float bias)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 37, Layers = layers, Bidirectional = bidirectional, Seed = 5 };
        var data = EngineFixtures.NumericData(batch, 6, [9, 3, 7, 1, 9, 5], HeadKind.MultiClass, 4, seed: 8);
        var network = EngineFixtures.Network(options, data, skipBias: bias);
        var sequences = EngineFixtures.Batch(data);

        network.Forward(sequences, threads);
        var training = network.Logits.ToArray();
        var trainingShares = network.UpdateShares();
        network.Infer(sequences, threads);
        Assert.Equal(training, network.Logits.ToArray());
        Assert.Equal(trainingShares, network.UpdateShares());
        Assert.True(trainingShares[0] < 1, "some step is skipped");

        network.Infer(sequences, threads);
        network.Forward(sequences, threads);
        Assert.Equal(training, network.Logits.ToArray());
    }

    // Skipping inference projects x_t per step for the rows that update: as one product over [x_t | h_{t-1}] (the GRU:
    // x_t's own), in one depth block of the kernels (I + H ≤ 64 or 512) or several (30 + 40 in blocks of 64); the
    // training forward it must match makes two products where I + H does not fit a block.
    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 20)]
    [InlineData(RecurrentCellKind.Lstm, 30)]
    [InlineData(RecurrentCellKind.Rnn, 20)]
    [InlineData(RecurrentCellKind.Gru, 20)]
    public void One_product_or_two_per_step_gives_the_training_forward_logits_bit_for_bit(RecurrentCellKind cell, int inputs)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 40, Seed = 6 };
        var data = EngineFixtures.NumericData(9, inputs, [7, 2, 7, 5], HeadKind.MultiClass, 3, seed: 9);
        var network = EngineFixtures.Network(options, data, skipBias: -0.4f);
        var sequences = EngineFixtures.Batch(data);
        network.Forward(sequences, 1);
        var training = network.Logits.ToArray();
        foreach (var depthBlock in new[] { 64, 512 })
        {
            using var scope = KernelPlan.Use(KernelPlan.Detected with { DepthBlock = depthBlock });
            network.Infer(sequences, 1);
            Assert.Equal(training, network.Logits.ToArray());
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.Rnn, false, null)]
    [InlineData(RecurrentCellKind.Lstm, true, null)]
    [InlineData(RecurrentCellKind.Gru, true, 3)]
    [InlineData(RecurrentCellKind.Lstm, false, 2)]
    public void Padded_batch_equals_sequences_one_at_a_time(RecurrentCellKind cell, bool bidirectional, int? truncation)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 6, Layers = 2, Bidirectional = bidirectional, Seed = 11 };
        var data = EngineFixtures.TokenData(5, 9, [7, 2, 5, 1, 3], HeadKind.MultiClass, 3, seed: 4);
        var network = EngineFixtures.Network(options, data, skipBias: -0.4f);
        const float budget = 0.05f;
        var batchLoss = network.ComputeGradients(EngineFixtures.Batch(data), truncation, null, 2, skipBudget: budget);
        var batchGradients = network.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();

        var sumLoss = 0.0;
        var sumGradients = network.Parameters.Select(p => new double[p.Length]).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            sumLoss += network.ComputeGradients(EngineFixtures.Batch(data.Subset([i])), truncation, null, 1, skipBudget: budget);
            for (var p = 0; p < sumGradients.Length; p++)
            {
                for (var j = 0; j < sumGradients[p].Length; j++)
                    sumGradients[p][j] += network.Parameters[p].Gradient[j];
            }
        }
        Assert.Equal(sumLoss / data.Count, batchLoss, 1e-5);
        for (var p = 0; p < sumGradients.Length; p++)
        {
            for (var j = 0; j < sumGradients[p].Length; j++)
            {
                var expected = sumGradients[p][j] / data.Count;
                Assert.True(Math.Abs(expected - batchGradients[p][j]) <= 1e-6 + 1e-4 * Math.Abs(expected),
                    $"{network.Parameters[p].Name}[{j}]: batch {batchGradients[p][j]}, one at a time {expected}");
            }
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.Rnn, false, false)]
    [InlineData(RecurrentCellKind.Lstm, true, false)]
    [InlineData(RecurrentCellKind.Gru, true, true)]
    [InlineData(RecurrentCellKind.Lstm, false, true)]
    public void A_gate_that_always_opens_is_the_plain_network_bit_for_bit(RecurrentCellKind cell, bool bidirectional, bool perStep)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 9, Layers = 2, Bidirectional = bidirectional, Seed = 3 };
        var data = perStep
            ? EngineFixtures.PerStepData(true, 12, 8, [6, 2, 5], HeadKind.MultiClass, 3, seed: 2)
            : EngineFixtures.TokenData(12, 8, [6, 2, 5], HeadKind.MultiClass, 3, seed: 2);
        var plain = EngineFixtures.Network(options, data);
        var skipping = EngineFixtures.Network(options, data, skipBias: 40f); // Δũ = σ(40 + ...) = 1 in float
        foreach (var p in plain.Parameters)
            p.Value.CopyTo(skipping.Parameters.Single(q => q.Name == p.Name).Value, 0);
        var batch = EngineFixtures.Batch(data);

        var plainLoss = plain.ComputeGradients(batch, 3, null, 2);
        var skipLoss = skipping.ComputeGradients(batch, 3, null, 2);

        Assert.Equal(plainLoss, skipLoss);
        Assert.Equal(plain.Logits.ToArray(), skipping.Logits.ToArray());
        foreach (var p in plain.Parameters)
            Assert.Equal(p.Gradient, skipping.Parameters.Single(q => q.Name == p.Name).Gradient);
        Assert.All(skipping.UpdateShares(), share => Assert.Equal(1, share));
    }

    [Theory]
    [InlineData(RecurrentCellKind.Rnn)]
    [InlineData(RecurrentCellKind.Lstm)]
    [InlineData(RecurrentCellKind.Gru)]
    public void A_skipped_step_hands_the_adjoint_back_unchanged(RecurrentCellKind cell)
    {
        // W_p = 0: Δũ = σ(b_p) ≈ 0.25 whatever the state, so u = 1, 0, 0, 1, ... and only the state path carries g_t.
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 7, Seed = 4 };
        var data = EngineFixtures.NumericData(3, 3, [9, 4, 8], HeadKind.Binary, 2, seed: 5);
        var network = EngineFixtures.Network(options, data, skipBias: -1.1f);
        Array.Clear(network.Layers[0][0].SkipGate!.Weights.Value);
        var adjoints = new AdjointRecorder();
        network.ComputeGradients(EngineFixtures.Batch(data), null, adjoints, 1);

        var norms = adjoints.NormsOf(0).ToArray();
        var updates = Enumerable.Range(0, 9).Select(t => network.Layers[0][0].SkipGate!.Updates[t * 3]).ToArray();
        Assert.Equal([1f, 0, 0, 1, 0, 0, 1, 0, 0], updates);
        for (var t = 1; t < norms.Length; t++)
        {
            if (updates[t] == 0)
                Assert.Equal(norms[t], norms[t - 1]);
            else
                Assert.NotEqual(norms[t], norms[t - 1]);
        }
    }

    [Fact]
    public void The_thread_count_changes_no_bit()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 12, Layers = 2, Bidirectional = true, Seed = 8 };
        var data = EngineFixtures.NumericData(24, 4, [9, 3, 7, 1, 9, 5], HeadKind.Regression, 1, seed: 3);
        float[][] Run(int threads)
        {
            var network = EngineFixtures.Network(options, data, skipBias: -0.4f);
            network.ComputeGradients(EngineFixtures.Batch(data), null, new AdjointRecorder(), threads, skipBudget: 0.01f);
            return network.Parameters.Select(p => p.Gradient).ToArray();
        }

        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void A_model_with_skip_gates_saves_as_format_3_and_loads_with_identical_predictions()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Gru, HiddenSize = 8, Bidirectional = true, Seed = 2 };
        var data = EngineFixtures.TokenData(8, 9, [7, 2, 5], HeadKind.MultiClass, 3, seed: 6);
        var model = new SequenceModel(EngineFixtures.Network(options, data, skipBias: -0.4f), options, data.Vocabulary, data.Labels);
        using var directory = new Recurrent.Testing.TemporaryDirectory();
        var path = directory.File("skip.model");

        model.Save(path);
        var loaded = SequenceModel.Load(path);

        Assert.Equal(3, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        Assert.True(loaded.Network.Shape.SkipUpdates);
        Assert.Contains(loaded.Parameters, p => p.Name == "layer0_reverse.W_p");
        Assert.Equal(model.PredictBatch(data.Examples).SelectMany(p => p.Probabilities),
            loaded.PredictBatch(data.Examples).SelectMany(p => p.Probabilities));
    }

    [Fact]
    public void Generation_and_the_single_step_export_refuse_a_model_with_skip_gates()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 4, Seed = 2 };
        var data = EngineFixtures.PerStepData(true, 4, 7, [5, 3], HeadKind.MultiClass, 3, seed: 1);
        var model = new SequenceModel(EngineFixtures.Network(options, data, skipBias: 0), options, data.Vocabulary, data.Labels);

        Assert.Contains("skip gates", Assert.Throws<InvalidOperationException>(() => model.CreateGenerator()).Message);
        Assert.Contains("skip gates", Assert.Throws<InvalidOperationException>(() => model.ExportOnnxStep(Path.GetTempFileName())).Message);
    }
}
