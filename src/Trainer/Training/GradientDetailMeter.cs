using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Training;

/// <summary>
/// What the detail levels above <see cref="RecurrentGradientDetail.Global"/> measure in a training step, into the
/// step's snapshot: per layer and direction the adjoint norms of its own path and the saturation of its forward pass
/// (level layer); per parameter block the pre-clip gradient norm, the weight norm and the update-to-weight ratio
/// ‖W_after − W_before‖ / ‖W_before‖ from the weights before and after the optimizer step (level block). It measures
/// on the run's first step and every <see cref="SequenceModelOptions.GradientDetailEvery"/> steps after (<see
/// cref="Due"/>); on the steps between, the loop passes it nothing and the snapshot keeps the last measurement and its
/// <see cref="GradientSnapshot.DetailStep"/>. At the global level the loop makes none, and nothing is measured.
/// </summary>
internal sealed class GradientDetailMeter
{
    private static readonly string[] Directions = ["forward", "reverse"];

    private readonly AdjointPath[] _paths = [];
    private readonly AdjointRecorder[] _pathRecorders = [];
    private readonly Block[] _blocks = [];
    private readonly Parameter[] _measured = [];
    private readonly float[][] _before = [];
    private readonly int _every;
    private bool _measuredOnce;

    /// <param name="network">The network trained.</param>
    /// <param name="level">Layer or block.</param>
    /// <param name="global">The recorder of layer 0's forward path (the global figures'), or null when the run
    /// collects no adjoint norms: then no path is recorded either.</param>
    /// <param name="snapshot">The snapshot whose detail members this meter fills on the steps it measures.</param>
    /// <param name="every">Measure on step 1 and every this many steps after.</param>
    public GradientDetailMeter(SequenceNetwork network, RecurrentGradientDetail level, AdjointRecorder? global,
        GradientSnapshot snapshot, int every = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(every);
        _every = every;
        var shape = network.Shape;
        if (global is not null)
        {
            // A per-step head's paths are those of the last step's loss, which a reverse direction never carries back.
            var directions = shape.PerStep ? 1 : shape.Directions;
            Recorders = new AdjointRecorder?[shape.Layers][];
            var paths = new List<AdjointPath>();
            var recorders = new List<AdjointRecorder>();
            for (var l = 0; l < shape.Layers; l++)
            {
                Recorders[l] = new AdjointRecorder?[shape.Directions];
                for (var d = 0; d < directions; d++)
                {
                    var recorder = l == 0 && d == 0 ? global : new AdjointRecorder();
                    Recorders[l][d] = recorder;
                    recorders.Add(recorder);
                    paths.Add(new AdjointPath(Label(l), Directions[d]));
                }
            }
            _paths = [.. paths];
            _pathRecorders = [.. recorders];
            snapshot.Paths = _paths;
        }
        Saturation = new SaturationMeter(shape);
        snapshot.SaturationUnits = Saturation.Units;
        snapshot.SaturationShares = Saturation.Shares;
        if (level < RecurrentGradientDetail.Block)
            return;
        _blocks = [.. BlocksOf(network)];
        _measured = [.. _blocks.SelectMany(b => b.Slices.Select(s => s.Parameter)).Distinct()];
        _before = [.. _measured.Select(p => new float[p.Length])];
        snapshot.Blocks = [.. _blocks.Select(b => b.Label)];
        snapshot.BlockGradNorms = new double[_blocks.Length];
        snapshot.BlockWeightNorms = new double[_blocks.Length];
        snapshot.BlockUpdateRatios = new double[_blocks.Length];
    }

    /// <summary>
    /// True when step <paramref name="step"/> (from 1 over the run) measures the detail: 1, 1 + every, 1 + 2·every, …,
    /// and the first step this meter sees (a run resumed from a checkpoint has its detail from its first step on).
    /// </summary>
    public bool Due(long step) => !_measuredOnce || (step - 1) % _every == 0;

    /// <summary>Per layer and direction, the recorder of its path (null: not recorded); null without adjoint norms.</summary>
    public AdjointRecorder?[][]? Recorders { get; }

    /// <summary>The saturation of each training forward pass.</summary>
    public SaturationMeter Saturation { get; }

    /// <summary>
    /// After BPTT, before clipping, on a step that measures the detail (<paramref name="step"/>, whose forward pass
    /// measured the saturation and whose BPTT recorded the paths): copies each path's norms into the snapshot,
    /// measures each block's gradient and weights, and keeps the weights to compare the update with.
    /// </summary>
    public void MeasureGradients(GradientSnapshot snapshot, long step)
    {
        snapshot.DetailStep = step;
        _measuredOnce = true;
        for (var i = 0; i < _paths.Length; i++)
            _paths[i].Set(_pathRecorders[i].Stride, _pathRecorders[i].WindowLengths, _pathRecorders[i].Norms);
        for (var i = 0; i < _blocks.Length; i++)
        {
            snapshot.BlockGradNorms[i] = _blocks[i].Norm(p => p.Gradient);
            snapshot.BlockWeightNorms[i] = _blocks[i].Norm(p => p.Value);
            snapshot.BlockUpdateRatios[i] = double.NaN;
        }
        for (var i = 0; i < _measured.Length; i++)
            _measured[i].Value.CopyTo(_before[i], 0);
    }

    /// <summary>After the optimizer step: each block's ‖W_after − W_before‖ / ‖W_before‖ (NaN for a zero block).</summary>
    public void MeasureUpdate(GradientSnapshot snapshot)
    {
        if (_blocks.Length == 0)
            return;
        // The weights before are no longer needed: each becomes the update W_after − W_before in place.
        for (var i = 0; i < _measured.Length; i++)
            TensorPrimitives.Subtract(_measured[i].Value, _before[i], _before[i]);
        for (var i = 0; i < _blocks.Length; i++)
        {
            var update = _blocks[i].Norm(p => _before[Array.IndexOf(_measured, p)]);
            var weights = snapshot.BlockWeightNorms[i];
            snapshot.BlockUpdateRatios[i] = weights > 0 ? update / weights : double.NaN;
        }
    }

    private static string Label(int layer) => layer.ToString(CultureInfo.InvariantCulture);

    // Every block of the network: per layer and direction W_xh, W_hh and b (b_xh and b_hh together) of each gate,
    // in the cell's gate order; then the head's W_hy and b_y. Not the embedding nor the skip gates' W_p, b_p.
    private static IEnumerable<Block> BlocksOf(SequenceNetwork network)
    {
        var shape = network.Shape;
        var hidden = shape.Hidden;
        string[] gates = shape.Cell switch
        {
            RecurrentCellKind.Lstm => ["i", "o", "f", "c"],
            RecurrentCellKind.Gru => ["z", "r", "h"],
            _ => ["h"],
        };
        for (var l = 0; l < shape.Layers; l++)
        {
            for (var d = 0; d < shape.Directions; d++)
            {
                var direction = network.Layers[l][d];
                for (var g = 0; g < gates.Length; g++)
                {
                    var rows = new Range(g * hidden, (g + 1) * hidden);
                    yield return new Block(new ParameterBlock(Label(l), Directions[d], "W_xh", gates[g]),
                        [Slice.Rows(direction.InputWeights, rows, direction.InputSize)]);
                    yield return new Block(new ParameterBlock(Label(l), Directions[d], "W_hh", gates[g]),
                        [Slice.Rows(direction.RecurrentWeights, rows, hidden)]);
                    if (direction.InputBias is { } inputBias && direction.RecurrentBias is { } recurrentBias)
                        yield return new Block(new ParameterBlock(Label(l), Directions[d], "b", gates[g]),
                            [Slice.Rows(inputBias, rows, 1), Slice.Rows(recurrentBias, rows, 1)]);
                }
            }
        }
        var head = network.Head;
        yield return new Block(new ParameterBlock("head", "forward", "W_hy", "y"), [new Slice(head.Weights, 0, head.Weights.Length)]);
        if (head.Bias is { } bias)
            yield return new Block(new ParameterBlock("head", "forward", "b_y", "y"), [new Slice(bias, 0, bias.Length)]);
    }

    private sealed record Slice(Parameter Parameter, int Offset, int Length)
    {
        // Rows `rows` of a row-major matrix of `columns` columns: one contiguous run.
        public static Slice Rows(Parameter parameter, Range rows, int columns)
        {
            var (offset, count) = rows.GetOffsetAndLength(parameter.Length / columns);
            return new Slice(parameter, offset * columns, count * columns);
        }
    }

    private sealed record Block(ParameterBlock Label, Slice[] Slices)
    {
        public double Norm(Func<Parameter, float[]> values)
        {
            var sum = 0.0;
            foreach (var slice in Slices)
                sum += GateMath.SumOfSquares(values(slice.Parameter).AsSpan(slice.Offset, slice.Length));
            return Math.Sqrt(sum);
        }
    }
}
