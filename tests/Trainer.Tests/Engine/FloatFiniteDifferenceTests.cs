using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Engine;

/// <summary>
/// A coarse first check of the float32 engine against its own finite differences (the precise check is against
/// the double-precision reference). Float rounding limits this to about 1e-2 relative.
/// </summary>
public class FloatFiniteDifferenceTests
{
    public static TheoryData<CellKind, Activation, bool, int, bool> Configurations() => new()
    {
        { CellKind.Rnn, Activation.Tanh, false, 1, true },
        { CellKind.Rnn, Activation.Relu, false, 1, true },
        { CellKind.Lstm, Activation.Tanh, false, 1, true },
        { CellKind.Gru, Activation.Tanh, false, 1, true },
        { CellKind.Gru, Activation.Tanh, false, 1, false },
        { CellKind.Lstm, Activation.Tanh, true, 2, true },
        { CellKind.Gru, Activation.Tanh, true, 2, false },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void GradientsMatchFiniteDifferences(CellKind cell, Activation activation, bool bidirectional, int layers,
        bool linearBeforeReset)
    {
        var options = new SequenceClassifierOptions
        {
            Cell = cell,
            Activation = activation,
            HiddenSize = 5,
            Layers = layers,
            Bidirectional = bidirectional,
            GruLinearBeforeReset = linearBeforeReset,
            Seed = 3,
            Threads = 2,
        };
        var data = EngineFixtures.NumericData(4, 3, [4, 2, 3, 1], HeadKind.MultiClass, 3, seed: 5);
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        network.ComputeGradients(batch, null, null, 2);
        var analytic = network.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();
        for (var pi = 0; pi < network.Parameters.Count; pi++)
        {
            var p = network.Parameters[pi];
            for (var i = 0; i < p.Length; i++)
            {
                var saved = p.Value[i];
                // ReLU's kink: a wide step can cross it and measure a different slope.
                var h = activation == Activation.Relu ? 1e-3f : 1e-2f;
                p.Value[i] = saved + h;
                var plus = Loss(network, batch);
                p.Value[i] = saved - h;
                var minus = Loss(network, batch);
                p.Value[i] = saved;
                var numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[pi][i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"{p.Name}[{i}]: analytic {analytic[pi][i]}, numeric {numeric}");
            }
        }
    }

    private static double Loss(SequenceNetwork network, Tensors.SequenceBatch batch)
    {
        network.Forward(batch, 1);
        return network.Head.Loss(network.Logits, batch.Size, batch.ClassIndices, batch.Targets, default);
    }
}
