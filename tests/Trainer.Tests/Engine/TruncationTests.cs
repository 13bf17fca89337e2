using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Engine;

public class TruncationTests
{
    [Theory]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Gru, true)]
    public void WindowAsLongAsTheSequenceEqualsFullBptt(CellKind cell, bool bidirectional)
    {
        var options = new SequenceClassifierOptions { Cell = cell, HiddenSize = 4, Bidirectional = bidirectional, Seed = 2 };
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
    public void ShortWindowCutsTheGradientOfEarlyInputsAndMeasuresOnlyTheWindow()
    {
        var options = new SequenceClassifierOptions { Cell = CellKind.Rnn, HiddenSize = 4, Seed = 2 };
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
