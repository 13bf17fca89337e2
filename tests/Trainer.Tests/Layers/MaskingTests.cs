using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>Padding must be invisible: a mixed-length batch equals its sequences run one at a time.</summary>
public class MaskingTests
{
    [Theory]
    [InlineData(RecurrentCellKind.Rnn, false)]
    [InlineData(RecurrentCellKind.Lstm, false)]
    [InlineData(RecurrentCellKind.Gru, true)]
    [InlineData(RecurrentCellKind.Lstm, true)]
    public void Padded_batch_equals_sequences_one_at_a_time(RecurrentCellKind cell, bool bidirectional)
    {
        var options = new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = 6,
            Layers = 2,
            Bidirectional = bidirectional,
            Seed = 11,
            Threads = 2,
        };
        var data = EngineFixtures.TokenData(5, 9, [7, 2, 5, 1, 3], HeadKind.MultiClass, 3, seed: 4);
        var network = EngineFixtures.Network(options, data);
        var batchLoss = network.ComputeGradients(EngineFixtures.Batch(data), null, null, 2);
        var batchGradients = network.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();

        var sumLoss = 0.0;
        var sumGradients = network.Parameters.Select(p => new double[p.Length]).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            var single = data.Subset([i]);
            sumLoss += network.ComputeGradients(EngineFixtures.Batch(single), null, null, 1);
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
}
