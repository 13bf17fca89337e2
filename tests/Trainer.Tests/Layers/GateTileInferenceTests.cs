using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// LSTM inference with its gates computed from each product tile gives the logits of the step before it (the
/// product, then the gate pass) and of the training forward pass, bit for bit: padded lengths, one input, H that no
/// vector divides, batches that no tile divides, stacked and bidirectional layers.
/// </summary>
public class GateTileInferenceTests
{
    [Theory]
    [InlineData(1, 20, 13, 1, false)]
    [InlineData(5, 20, 13, 2, true)]
    [InlineData(3, 8, 4, 1, true)]
    [InlineData(2, 33, 29, 2, false)]
    public void Gives_the_bits_of_the_product_then_the_gate_pass(int inputs, int hidden, int batch, int layers,
        bool bidirectional)
    {
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = hidden,
            Layers = layers,
            Bidirectional = bidirectional,
            Seed = 4,
            Threads = 1,
        };
        var data = EngineFixtures.NumericData(batch, inputs, [8, 3, 8, 1, 6, 2, 8], HeadKind.MultiClass, 3, seed: 7);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);

        // One thread: the steps run on this thread, under the plan it forces.
        using (KernelPlan.Use(KernelPlan.Detected with { FusedLstmInference = false }))
            network.Infer(sequences, 1);
        var before = network.Logits.ToArray();
        using (KernelPlan.Use(KernelPlan.Detected with { FusedLstmInference = true }))
            network.Infer(sequences, 1);
        var tiles = network.Logits.ToArray();
        network.Forward(sequences, 1);
        var training = network.Logits.ToArray();

        Assert.Equal(before, tiles);
        Assert.Equal(training, tiles);
        // Two workers (batches of 8 rows or more split into parts of 4 rows or more) give the same bits again.
        network.Infer(sequences, 2);
        Assert.Equal(tiles, network.Logits.ToArray());
    }

    // Skip gates multiply only the rows that update, from [W_xhᵀ ; W_hhᵀ] packed whole: with a batch large enough for
    // gate tiles the pass must still pack it (it once left it unpacked and failed with a null reference).
    [Fact]
    public void Skip_gated_lstm_inference_with_rows_enough_for_tiles_gives_the_untiled_bits()
    {
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 16,
            Seed = 4,
            Threads = 1,
        };
        var data = EngineFixtures.NumericData(12, 3, [8, 3, 8, 1, 6, 2, 8], HeadKind.MultiClass, 3, seed: 7);
        var network = EngineFixtures.Network(options, data, skipBias: -0.4f);
        var sequences = EngineFixtures.Batch(data);

        using (KernelPlan.Use(KernelPlan.Detected with { FusedLstmInference = true }))
            network.Infer(sequences, 1);
        var tiled = network.Logits.ToArray();
        using (KernelPlan.Use(KernelPlan.Detected with { FusedLstmInference = false }))
            network.Infer(sequences, 1);

        Assert.Equal(network.Logits.ToArray(), tiled);
        Assert.All(tiled, value => Assert.True(float.IsFinite(value)));
    }
}
