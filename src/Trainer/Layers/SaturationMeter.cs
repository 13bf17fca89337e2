using System.Globalization;
using Microsoft.ML;
using Recurrent.Diagnostics;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Which saturation figures a network has, per layer and direction, and their shares after each training forward
/// pass (<see cref="Measure"/>). LSTM: gates i, f, o and the tanh state; GRU: gates z, r and the tanh state; Elman:
/// the tanh state, or dead ReLU units (a sigmoid Elman cell has none). A network with skip gates keeps no gates for
/// the steps it skips, so it reports its states only.
/// </summary>
internal sealed class SaturationMeter
{
    private readonly int[] _gates;
    private readonly StateSaturation _state;
    private readonly int _perDirection;

    public SaturationMeter(NetworkShape shape)
    {
        (string Unit, int Gate)[] gates = shape.SkipUpdates ? [] : shape.Cell switch
        {
            // The cells' own gate order (ONNX's): LSTM i, o, f, c; GRU z, r, h.
            RecurrentCellKind.Lstm => [("i", 0), ("f", 2), ("o", 1)],
            RecurrentCellKind.Gru => [("z", 0), ("r", 1)],
            _ => [],
        };
        _gates = [.. gates.Select(g => g.Gate)];
        _state = shape.Cell != RecurrentCellKind.Rnn || shape.Activation == RecurrentActivation.Tanh ? StateSaturation.Tanh
            : shape.Activation == RecurrentActivation.Relu ? StateSaturation.DeadRelu : StateSaturation.None;
        string[] names = [.. gates.Select(g => g.Unit), .. _state switch
        {
            StateSaturation.Tanh => new[] { "tanh" },
            StateSaturation.DeadRelu => ["relu_dead"],
            _ => [],
        }];
        _perDirection = names.Length;
        var units = new List<SaturationUnit>();
        for (var l = 0; l < shape.Layers; l++)
        {
            for (var d = 0; d < shape.Directions; d++)
            {
                foreach (var name in names)
                    units.Add(new SaturationUnit(l.ToString(CultureInfo.InvariantCulture), d == 0 ? "forward" : "reverse", name));
            }
        }
        Units = units;
        Shares = new double[units.Count];
    }

    /// <summary>Each figure's place, in the order of <see cref="Shares"/>.</summary>
    public IReadOnlyList<SaturationUnit> Units { get; }

    /// <summary>The last forward pass's shares.</summary>
    public double[] Shares { get; }

    /// <summary>Measures every direction's last training forward pass.</summary>
    public void Measure(IReadOnlyList<IReadOnlyList<RecurrentDirection>> layers)
    {
        var at = 0;
        foreach (var layer in layers)
        {
            foreach (var direction in layer)
            {
                direction.MeasureSaturation(_gates, _state, Shares.AsSpan(at, _perDirection));
                at += _perDirection;
            }
        }
    }
}
