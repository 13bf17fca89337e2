using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Embedding or numeric input, stacked recurrent layers (each one or two directions), and the head: many-to-one
/// (the final states) or per step (<see cref="NetworkShape.PerStep"/>: the top layer's output at every step).
/// Forward caches what BPTT needs; <see cref="ComputeGradients"/> fills every parameter's gradient.
/// </summary>
internal sealed class SequenceNetwork
{
    private readonly RecurrentDirection[][] _layers;
    private float[] _embedded = [], _embeddedGradient = [];
    private float[][] _layerOutputs, _layerGradients;
    private float[] _headInput = [], _headInputGradient = [], _logits = [], _logitGradient = [];

    // The top layer's outputs [T·B, directions·H] of the last forward pass: a per-step head's input.
    private StridedMatrix _topOutput;

    // The per-path recorders of the current ComputeGradients call, or null.
    private AdjointRecorder?[][]? _paths;
    public SequenceNetwork(NetworkShape shape)
    {
        Shape = shape;
        if (shape.InputKind == InputKind.Tokens)
            Embedding = new Parameter("embedding", "embedding", shape.VocabularySize, shape.InputWidth);
        _layers = new RecurrentDirection[shape.Layers][];
        for (var l = 0; l < shape.Layers; l++)
        {
            var inputSize = l == 0 ? shape.InputWidth : shape.Directions * shape.Hidden;
            _layers[l] = new RecurrentDirection[shape.Directions];
            for (var d = 0; d < shape.Directions; d++)
            {
                var prefix = d == 0 ? $"layer{l}." : $"layer{l}_reverse.";
                var cell = RecurrentCells.Create(shape.Cell, shape.Activation, shape.GruLinearBeforeReset);
                var skip = shape.SkipUpdates
                    ? new SkipUpdateGate(prefix, shape.Hidden, stateHasCell: shape.Cell == RecurrentCellKind.Lstm)
                    : null;
                _layers[l][d] = new RecurrentDirection(prefix, cell, inputSize, shape.Hidden, reverse: d == 1,
                    shape.UseBias, shape.DilationOf(l), skip);
            }
        }
        Head = new OutputHead(shape.Head, shape.Directions * shape.Hidden, shape.Outputs, shape.UseBias);
        _layerOutputs = new float[shape.Layers][];
        _layerGradients = new float[shape.Layers][];
        for (var l = 0; l < shape.Layers; l++)
        {
            _layerOutputs[l] = [];
            _layerGradients[l] = [];
        }
        Parameters = new List<Parameter>(
            new[] { Embedding }.OfType<Parameter>()
                .Concat(_layers.SelectMany(layer => layer.SelectMany(direction => direction.Parameters)))
                .Concat(Head.Parameters));
        RecurrentWeights = _layers.SelectMany((layer, l) => layer.Select(direction => new RecurrentWeights(
            direction.Reverse ? $"{l}_reverse" : $"{l}", direction.RecurrentWeights.Value,
            direction.RecurrentWeights.Shape[0], direction.RecurrentWeights.Shape[1], Gamma(shape), direction.Dilation))).ToArray();
    }

    public NetworkShape Shape { get; }

    /// <summary>
    /// Changes whenever the weights may have changed, so derived copies (transposed weights) are rebuilt. Training
    /// always rebuilds them; inference rebuilds them only after <see cref="WeightsChanged"/>.
    /// </summary>
    public long WeightVersion { get; private set; }

    /// <summary>Call after writing to any parameter's values outside training.</summary>
    public void WeightsChanged() => WeightVersion++;

    public Parameter? Embedding { get; }

    public OutputHead Head { get; }

    /// <summary>Every parameter in a fixed order: embedding, layers (forward before reverse), head.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Views of every W_hh for the Jacobian bound.</summary>
    public IReadOnlyList<RecurrentWeights> RecurrentWeights { get; }

    public IReadOnlyList<IReadOnlyList<RecurrentDirection>> Layers => _layers;

    // Bounds of |f'| that make ‖∂h_t/∂h_{t-1}‖ ≤ γ σ_max(W_hh) for the Elman cell (seed 003).
    private static double Gamma(NetworkShape shape) =>
        shape.Cell == RecurrentCellKind.Rnn && shape.Activation == RecurrentActivation.Sigmoid ? 0.25 : 1.0;

    /// <summary>
    /// Runs the network for training; leaves the logits [B, Outputs] in <see cref="Logits"/>. The weights may have
    /// been written since the last pass, so cached transposed weights are always rebuilt.
    /// </summary>
    public void Forward(SequenceBatch batch, int threads)
    {
        WeightVersion++;
        Run(batch, threads, training: true);
    }

    /// <summary>
    /// Forward for predictions: reuses cached transposed weights until <see cref="WeightsChanged"/>; hands off to the
    /// process's inference helpers (<see cref="InferenceTeam"/>).
    /// </summary>
    public void Infer(SequenceBatch batch, int threads)
    {
        using var team = InferenceTeam.Enter(threads);
        Run(batch, threads, training: false);
    }

    private void Run(SequenceBatch batch, int threads, bool training)
    {
        int steps = batch.Steps, size = batch.Size, hidden = Shape.Hidden, directions = Shape.Directions;
        float[] input;
        if (Embedding is not null)
        {
            input = Workspace.Ensure(ref _embedded, steps * size * Shape.InputWidth);
            Embed(batch, input);
        }
        else
        {
            input = batch.Features;
        }
        var offset = 0;
        for (var l = 0; l < _layers.Length; l++)
        {
            foreach (var direction in _layers[l])
                direction.Forward(input, offset, steps, size, batch.Lengths, threads, WeightVersion, training);
            if (directions == 1)
            {
                input = _layers[l][0].Output;
                offset = _layers[l][0].OutputOffset;
            }
            else
            {
                input = Workspace.Ensure(ref _layerOutputs[l], steps * size * 2 * hidden);
                Concatenate(_layers[l], input, steps * size);
                offset = 0;
            }
        }
        if (Shape.PerStep)
        {
            _topOutput = StridedMatrix.RowMajor(input, steps * size, directions * hidden, offset);
            Workspace.Ensure(ref _logits, steps * size * Shape.Outputs);
            Head.ForwardSteps(_topOutput, _logits, threads);
            return;
        }
        var headInput = Workspace.Ensure(ref _headInput, size * directions * hidden);
        var top = _layers[^1];
        for (var b = 0; b < size; b++)
        {
            for (var d = 0; d < directions; d++)
                top[d].FinalState(b, batch.Lengths[b]).CopyTo(headInput.AsSpan((b * directions + d) * hidden, hidden));
        }
        Workspace.Ensure(ref _logits, size * Shape.Outputs);
        Head.Forward(headInput, size, _logits);
    }

    /// <summary>The logits of the last forward pass, [B, Outputs] (per step: [T·B, Outputs], time-major).</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>The array behind <see cref="Logits"/>.</summary>
    public float[] LogitBuffer => _logits;

    /// <summary>
    /// Forward, loss and BPTT: fills every parameter's gradient of the batch's mean loss, and the adjoint norms of the
    /// first layer's forward direction into <paramref name="adjoints"/> when one is given. Returns the mean loss.
    /// </summary>
    /// <remarks>
    /// A per-step head's loss is the mean over the batch's labelled steps; truncation then cuts every sequence into
    /// segments of <paramref name="truncation"/> steps (<see cref="DilatedLayout.SetSegments"/>), and the adjoint
    /// norms are those of each sequence's last step's loss alone, from a pass of their own. With skip gates the loss
    /// adds the budget <paramref name="skipBudget"/>·Σ u_t (<see cref="AddBudget"/>). <paramref name="paths"/> holds,
    /// per layer and direction, a recorder of that path's adjoint norms (null entries: none); the first layer's
    /// forward one is <paramref name="adjoints"/> when both are given; a per-step head records forward directions
    /// only (<see cref="RecordLastStepAdjoints"/>). <paramref name="saturation"/> measures the forward pass's gates
    /// and states before BPTT.
    /// </remarks>
    public double ComputeGradients(SequenceBatch batch, int? truncation, AdjointRecorder? adjoints, int threads,
        float omegaWeight = 0, float skipBudget = 0, AdjointRecorder?[][]? paths = null, SaturationMeter? saturation = null)
    {
        Forward(batch, threads);
        saturation?.Measure(_layers);
        _paths = paths;
        if (Shape.PerStep)
            return ComputeStepGradients(batch, truncation, adjoints, threads, omegaWeight, skipBudget);
        int steps = batch.Steps, size = batch.Size, hidden = Shape.Hidden, directions = Shape.Directions;
        var logitGradient = Workspace.Ensure(ref _logitGradient, size * Shape.Outputs);
        var loss = Head.Loss(_logits, size, batch.ClassIndices, batch.Targets, logitGradient.AsSpan(0, size * Shape.Outputs));
        var headInputGradient = Workspace.Ensure(ref _headInputGradient, size * directions * hidden);
        Head.Backward(_headInput, logitGradient, size, headInputGradient);

        var width = directions * hidden;
        var above = Workspace.Ensure(ref _layerGradients[^1], steps * size * width);
        Array.Clear(above, 0, steps * size * width);
        for (var b = 0; b < size; b++)
        {
            for (var d = 0; d < directions; d++)
            {
                var t = d == 0 ? batch.Lengths[b] - 1 : 0;
                headInputGradient.AsSpan((b * directions + d) * hidden, hidden)
                    .CopyTo(above.AsSpan((t * size + b) * width + d * hidden, hidden));
            }
        }
        adjoints?.Begin(batch.Lengths, size, truncation);
        for (var l = 0; l < _layers.Length && _paths is not null; l++)
        {
            for (var d = 0; d < directions; d++)
            {
                if (_paths[l][d] is { } path && path != adjoints)
                    path.Begin(batch.Lengths, size, truncation, reverse: d == 1);
            }
        }
        var budget = AddBudget(skipBudget, size, ref loss);
        loss = BackwardLayers(loss, above, batch, truncation, adjoints, threads, omegaWeight, segments: false, budget, _paths);
        if (Embedding is not null)
            ScatterEmbeddingGradient(batch);
        return loss;
    }

    // BPTT down the stack from ∂L/∂(top layer's output) in `above`, [T·B, directions·H]; returns the loss with what
    // Ω adds, in the order the directions add it.
    private double BackwardLayers(double loss, float[] above, SequenceBatch batch, int? truncation,
        AdjointRecorder? adjoints, int threads, float omegaWeight, bool segments, float skipBudget,
        AdjointRecorder?[][]? paths = null)
    {
        int steps = batch.Steps, size = batch.Size, hidden = Shape.Hidden, directions = Shape.Directions;
        var width = directions * hidden;
        for (var l = _layers.Length - 1; l >= 0; l--)
        {
            float[]? below = null;
            if (l > 0)
                below = Workspace.Ensure(ref _layerGradients[l - 1], steps * size * width);
            else if (Embedding is not null)
                below = Workspace.Ensure(ref _embeddedGradient, steps * size * Shape.InputWidth);
            for (var d = 0; d < directions; d++)
            {
                var recorder = paths?[l][d] ?? (l == 0 && d == 0 ? adjoints : null);
                loss += _layers[l][d].Backward(above, width, d * hidden, batch.Lengths, truncation, below,
                    accumulateInput: d > 0, recorder, threads, omegaWeight, segments, skipBudget: skipBudget);
            }
            if (below is not null && l > 0)
                above = below;
        }
        return loss;
    }

    private double ComputeStepGradients(SequenceBatch batch, int? truncation, AdjointRecorder? adjoints, int threads,
        float omegaWeight, float skipBudget)
    {
        var rows = batch.Steps * batch.Size;
        var logitGradient = Workspace.Ensure(ref _logitGradient, rows * Shape.Outputs);
        var loss = Head.StepLoss(_logits, batch, logitGradient, threads);
        var above = Workspace.Ensure(ref _layerGradients[^1], rows * Shape.Directions * Shape.Hidden);
        // The diagnostics' pass runs first: the training pass then overwrites every buffer it used.
        if (adjoints is not null)
            RecordLastStepAdjoints(batch, truncation, adjoints, above, threads);
        Head.BackwardSteps(_topOutput, logitGradient, above, threads);
        var budget = AddBudget(skipBudget, batch.LabelledSteps, ref loss);
        loss = BackwardLayers(loss, above, batch, truncation, null, threads, omegaWeight, segments: true, budget);
        if (Embedding is not null)
            ScatterEmbeddingGradient(batch);
        return loss;
    }

    /// <summary>
    /// Adds the skip gates' budget to <paramref name="loss"/>: λ·Σ u_t over every layer, direction and valid step of
    /// the batch, divided by what the head's loss is divided by (its sequences, or a per-step head's labelled steps),
    /// so each sequence's objective is its loss plus λ times its updates, as Campos et al.'s is. Returns ∂L/∂u_t, the
    /// weight over that divisor (0 without skip gates or without a labelled step).
    /// </summary>
    private float AddBudget(float weight, int divisor, ref double loss)
    {
        if (!Shape.SkipUpdates || weight == 0 || divisor == 0)
            return 0;
        long updates = 0;
        foreach (var direction in _layers.SelectMany(layer => layer))
            updates += direction.SkipGate!.UpdatedSteps;
        loss += (double)weight * updates / divisor;
        return weight / divisor;
    }

    /// <summary>
    /// Per layer, the share of the last pass's valid steps (both directions together) at which the state was
    /// updated; empty without skip gates.
    /// </summary>
    public double[] UpdateShares()
    {
        var shares = new double[Shape.SkipUpdates ? _layers.Length : 0];
        MeasureUpdateShares(shares);
        return shares;
    }

    /// <summary><see cref="UpdateShares"/> into a span of one entry per layer (NaN for a batch without a valid step).</summary>
    public void MeasureUpdateShares(Span<double> perLayer)
    {
        for (var l = 0; l < perLayer.Length; l++)
        {
            long updated = 0, valid = 0;
            foreach (var direction in _layers[l])
            {
                updated += direction.SkipGate!.UpdatedSteps;
                valid += direction.SkipGate!.ValidSteps;
            }
            perLayer[l] = valid > 0 ? (double)updated / valid : double.NaN;
        }
    }

    // g_t of the loss of each sequence's last step alone: its ∂ℓ/∂u enters the top layer at that step and is carried
    // down and back without any weight gradient. Layer 0's reverse direction and the input are not needed.
    private void RecordLastStepAdjoints(SequenceBatch batch, int? truncation, AdjointRecorder adjoints, float[] above,
        int threads)
    {
        int hidden = Shape.Hidden, directions = Shape.Directions, width = directions * hidden;
        Head.LastStepInputGradient(_logits, batch, above);
        adjoints.Begin(batch.Lengths, batch.Size, truncation, segments: true, scale: 1);
        for (var l = 1; l < _layers.Length && _paths is not null; l++)
            _paths[l][0]?.Begin(batch.Lengths, batch.Size, truncation, segments: true, scale: 1);
        for (var l = _layers.Length - 1; l >= 0; l--)
        {
            var below = l > 0 ? Workspace.Ensure(ref _layerGradients[l - 1], batch.Steps * batch.Size * width) : null;
            for (var d = 0; d < (l > 0 ? directions : 1); d++)
            {
                var recorder = d > 0 ? null : l == 0 ? adjoints : _paths?[l][0];
                _layers[l][d].Backward(above, width, d * hidden, batch.Lengths, truncation, below,
                    accumulateInput: d > 0, recorder, threads, segments: true, adjointOnly: true);
            }
            if (below is not null)
                above = below;
        }
    }

    private void Embed(SequenceBatch batch, float[] destination)
    {
        var width = Shape.InputWidth;
        var rows = batch.Steps * batch.Size;
        for (var r = 0; r < rows; r++)
        {
            var row = destination.AsSpan(r * width, width);
            var token = batch.Tokens[r];
            var t = r / batch.Size;
            if (t >= batch.Lengths[r % batch.Size])
                row.Clear();
            else
                Embedding!.Value.AsSpan(token * width, width).CopyTo(row);
        }
    }

    private void ScatterEmbeddingGradient(SequenceBatch batch)
    {
        var width = Shape.InputWidth;
        var gradient = Embedding!.Gradient;
        Array.Clear(gradient);
        var rows = batch.Steps * batch.Size;
        for (var r = 0; r < rows; r++)
        {
            if (r / batch.Size >= batch.Lengths[r % batch.Size])
                continue;
            System.Numerics.Tensors.TensorPrimitives.Add(gradient.AsSpan(batch.Tokens[r] * width, width),
                _embeddedGradient.AsSpan(r * width, width), gradient.AsSpan(batch.Tokens[r] * width, width));
        }
    }

    private void Concatenate(RecurrentDirection[] directions, float[] destination, int rows)
    {
        var hidden = Shape.Hidden;
        for (var d = 0; d < directions.Length; d++)
        {
            var source = directions[d].Output;
            var offset = directions[d].OutputOffset;
            for (var r = 0; r < rows; r++)
                source.AsSpan(offset + r * hidden, hidden).CopyTo(destination.AsSpan((r * 2 + d) * hidden, hidden));
        }
    }
}
