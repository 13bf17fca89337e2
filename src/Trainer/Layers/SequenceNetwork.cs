using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Embedding or numeric input, stacked recurrent layers (each one or two directions), and the many-to-one head.
/// Forward caches what BPTT needs; <see cref="ComputeGradients"/> fills every parameter's gradient.
/// </summary>
internal sealed class SequenceNetwork
{
    private readonly RecurrentDirection[][] _layers;
    private float[] _embedded = [], _embeddedGradient = [];
    private float[][] _layerOutputs, _layerGradients;
    private float[] _headInput = [], _headInputGradient = [], _logits = [], _logitGradient = [];
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
                _layers[l][d] = new RecurrentDirection(prefix, cell, inputSize, shape.Hidden, reverse: d == 1,
                    shape.UseBias, shape.DilationOf(l));
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

    /// <summary>Forward for predictions: reuses cached transposed weights until <see cref="WeightsChanged"/>.</summary>
    public void Infer(SequenceBatch batch, int threads) => Run(batch, threads, training: false);

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

    /// <summary>The logits of the last forward pass, [B, Outputs].</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>
    /// Forward, loss and BPTT: fills every parameter's gradient of the batch's mean loss, and the adjoint norms of the
    /// first layer's forward direction into <paramref name="adjoints"/> when one is given. Returns the mean loss.
    /// </summary>
    public double ComputeGradients(SequenceBatch batch, int? truncation, AdjointRecorder? adjoints, int threads,
        float omegaWeight = 0)
    {
        Forward(batch, threads);
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
        for (var l = _layers.Length - 1; l >= 0; l--)
        {
            float[]? below = null;
            if (l > 0)
                below = Workspace.Ensure(ref _layerGradients[l - 1], steps * size * width);
            else if (Embedding is not null)
                below = Workspace.Ensure(ref _embeddedGradient, steps * size * Shape.InputWidth);
            for (var d = 0; d < directions; d++)
            {
                var recorder = l == 0 && d == 0 ? adjoints : null;
                loss += _layers[l][d].Backward(above, width, d * hidden, batch.Lengths, truncation, below,
                    accumulateInput: d > 0, recorder, threads, omegaWeight);
            }
            if (below is not null && l > 0)
                above = below;
        }
        if (Embedding is not null)
            ScatterEmbeddingGradient(batch);
        return loss;
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
