using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// Inference keeps no per-step history and projects x_t step by step when a worker has a few rows; its logits must
/// still be exactly those of the training forward pass, for every cell, depth, direction and padding.
/// </summary>
[Collection(InferenceTeamCollection.Name)]
public class InferenceTests
{
    [Theory]
    [InlineData(RecurrentCellKind.Rnn, 1, false, 9, 1)]
    [InlineData(RecurrentCellKind.Lstm, 1, false, 9, 2)]
    [InlineData(RecurrentCellKind.Lstm, 2, true, 11, 2)]
    [InlineData(RecurrentCellKind.Lstm, 1, false, 2, 1)]
    [InlineData(RecurrentCellKind.Gru, 2, false, 8, 1)]
    [InlineData(RecurrentCellKind.Gru, 1, true, 3, 2)]
    public void Inference_gives_the_training_forward_logits_bit_for_bit(RecurrentCellKind cell, int layers, bool bidirectional,
        int batch, int threads)
    {
        var options = new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = 37,
            Layers = layers,
            Bidirectional = bidirectional,
            Seed = 5,
            Threads = threads,
        };
        var data = EngineFixtures.NumericData(batch, 6, [9, 3, 7, 1, 9, 5], HeadKind.MultiClass, 4, seed: 8);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);

        network.Forward(sequences, threads);
        var training = network.Logits.ToArray();
        network.Infer(sequences, threads);
        var inference = network.Logits.ToArray();
        Assert.Equal(training, inference);

        // And again after the training buffers have been used, in the other order.
        network.Infer(sequences, threads);
        network.Forward(sequences, threads);
        Assert.Equal(training, network.Logits.ToArray());
        network.Infer(sequences, threads);
        Assert.Equal(inference, network.Logits.ToArray());
    }

    // Inference on one thread per core (the default) splits the batch's rows among workers, each running the whole
    // sequence for its rows; a row's arithmetic is the same on any worker, so every thread count gives one thread's
    // bits, including batches smaller than the workers and a batch of one (at H = 512 too, where [W_xhᵀ ; W_hhᵀ] is
    // larger than L2: the size at which a batch of one might some day split its columns across cores).
    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 64, 16)]
    [InlineData(RecurrentCellKind.Lstm, 1, 16)]
    [InlineData(RecurrentCellKind.Lstm, 1, 512)]
    [InlineData(RecurrentCellKind.Lstm, 64, 128)]
    [InlineData(RecurrentCellKind.Gru, 5, 3)]
    [InlineData(RecurrentCellKind.Rnn, 3, 24)]
    public void Inference_on_any_thread_count_gives_one_threads_bits(RecurrentCellKind cell, int batch, int hidden)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = hidden, Layers = 2, Seed = 3, Threads = 1 };
        var data = EngineFixtures.NumericData(batch, 5, [6, 2, 6, 4], HeadKind.MultiClass, 3, seed: 4);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        foreach (var threads in new[] { 2, 3, 1, 2 })
        {
            network.Infer(sequences, threads);
            Assert.Equal(oneThread, network.Logits.ToArray());
        }
        // More than one thread hands off to the process's inference team (on a machine of more than one core) where the
        // batch splits into parts: 64 rows do.
        var handOffs = InferenceTeam.Created?.HandOffs ?? 0;
        network.Infer(sequences, 2);
        Assert.Equal(oneThread, network.Logits.ToArray());
        if (batch == 64 && Environment.ProcessorCount > 1)
            Assert.True(InferenceTeam.Created!.HandOffs > handOffs);
    }

    // The inference team is one per process: an inference that finds it busy with another thread's hand-off runs its
    // own through the thread pool, with the same bits, and the team's hand-off still finishes.
    [Fact]
    public void Inference_while_the_team_is_busy_elsewhere_falls_back_to_the_pool_with_the_same_bits()
    {
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 24, Seed = 3, Threads = 1 };
        var data = EngineFixtures.NumericData(16, 5, [6, 2, 6, 4], HeadKind.MultiClass, 3, seed: 4);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        network.Infer(sequences, 2);
        if (InferenceTeam.Created is not { } team)
            return; // one core: no team to be busy
        using (var held = new HeldTeam(team))
        {
            var handOffs = team.HandOffs;
            network.Infer(sequences, 2);
            Assert.Equal(oneThread, network.Logits.ToArray());
            Assert.Equal(handOffs, team.HandOffs);
            Assert.True(held.Holding);
            Assert.True(held.Release());
        }
        network.Infer(sequences, 2);
        Assert.Equal(oneThread, network.Logits.ToArray());
    }

    // Inference adds h_{t-1}·W_hhᵀ and x_t·W_xhᵀ as one product over [x_t | h_{t-1}] at any depth; training does so
    // only when I + H fits one depth block of the kernels, and otherwise projects all steps' x_t at once and adds
    // h_{t-1}·W_hhᵀ per step: 20 + 40 fits a block of 64 and 30 + 40 does not, and both fit 512. Every pairing of
    // the two, trained under one plan and inferred under another, gives the same bits.
    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 20)]
    [InlineData(RecurrentCellKind.Lstm, 30)]
    [InlineData(RecurrentCellKind.Rnn, 20)]
    [InlineData(RecurrentCellKind.Rnn, 30)]
    [InlineData(RecurrentCellKind.Gru, 30)]
    public void One_product_or_two_per_step_gives_the_training_forward_logits_bit_for_bit(RecurrentCellKind cell, int inputs)
    {
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 40, Seed = 6, Threads = 1 };
        var data = EngineFixtures.NumericData(9, inputs, [7, 2, 7, 5], HeadKind.MultiClass, 3, seed: 9);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);
        float[]? first = null;
        foreach (var trainingDepth in new[] { 64, 512 })
        {
            // One thread: the steps run on this thread, under the forced plan.
            using (KernelPlan.Use(KernelPlan.Detected with { DepthBlock = trainingDepth }))
                network.Forward(sequences, 1);
            var training = network.Logits.ToArray();
            first ??= training;
            Assert.Equal(first, training);
            foreach (var depthBlock in new[] { 64, 512 })
            {
                using var scope = KernelPlan.Use(KernelPlan.Detected with { DepthBlock = depthBlock });
                network.Infer(sequences, 1);
                Assert.Equal(training, network.Logits.ToArray());
            }
        }
    }
}
