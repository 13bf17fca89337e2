using System.Numerics.Tensors;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// An encoder–decoder (many-to-many, unequal length; Sutskever et al. 2014, without attention): an encoder stack
/// reads the source x_1..x_S; the final state of its layer ℓ, s^ℓ_S = (h^ℓ_S, c^ℓ_S) at each sequence's last valid
/// step, is the initial state of decoder layer ℓ; the decoder reads the target shifted right, ⟨s⟩ y_1 … y_m (teacher
/// forcing), and its per-step head scores y_1 … y_m ⟨/s⟩. The loss is the softmax cross-entropy averaged over the
/// batch's target steps (end tokens included), as a per-step head's. BPTT runs through the decoder to ∂L/∂s^ℓ_0,
/// which enters the encoder at its last valid step (<see cref="DirectionBoundary"/>) and runs back through it.
/// </summary>
internal sealed class EncoderDecoderNetwork
{
    private readonly RecurrentDirection[] _encoder, _decoder;
    private readonly DirectionBoundary[] _bridges;
    private float[] _sourceEmbedded = [], _sourceGradient = [], _targetEmbedded = [], _targetGradient = [];
    private float[] _logits = [], _logitGradient = [], _above = [], _below = [];
    private StridedMatrix _topOutput;

    public EncoderDecoderNetwork(EncoderDecoderShape shape)
    {
        if (shape.Validate() is { } error)
            throw new ArgumentException($"Invalid encoder–decoder: {error}.");
        Shape = shape;
        SourceEmbedding = new Parameter("encoder.embedding", "embedding", shape.SourceVocabulary, shape.EmbeddingSize);
        TargetEmbedding = new Parameter("decoder.embedding", "embedding", shape.Outputs, shape.EmbeddingSize);
        _encoder = Stack("encoder", shape);
        _decoder = Stack("decoder", shape);
        _bridges = new DirectionBoundary[shape.Layers];
        for (var l = 0; l < shape.Layers; l++)
            _bridges[l] = new DirectionBoundary();
        Head = new OutputHead(HeadKind.MultiClass, shape.Hidden, shape.Outputs, shape.UseBias);
        Parameters = [SourceEmbedding, .. _encoder.SelectMany(d => d.Parameters), TargetEmbedding,
            .. _decoder.SelectMany(d => d.Parameters), .. Head.Parameters];
    }

    private static RecurrentDirection[] Stack(string side, EncoderDecoderShape shape) =>
        Enumerable.Range(0, shape.Layers).Select(l => new RecurrentDirection($"{side}.layer{l}.",
            RecurrentCells.Create(shape.Cell, shape.Activation, shape.GruLinearBeforeReset),
            l == 0 ? shape.EmbeddingSize : shape.Hidden, shape.Hidden, reverse: false, shape.UseBias)).ToArray();

    public EncoderDecoderShape Shape { get; }

    public Parameter SourceEmbedding { get; }

    public Parameter TargetEmbedding { get; }

    public OutputHead Head { get; }

    public IReadOnlyList<RecurrentDirection> Encoder => _encoder;

    public IReadOnlyList<RecurrentDirection> Decoder => _decoder;

    /// <summary>Every parameter in a fixed order: the encoder's embedding and layers, the decoder's, the head.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Changes whenever the weights may have changed (see <see cref="SequenceNetwork.WeightVersion"/>).</summary>
    public long WeightVersion { get; private set; }

    /// <summary>Call after writing to any parameter's values outside training.</summary>
    public void WeightsChanged() => WeightVersion++;

    /// <summary>The logits of the last teacher-forced pass, [T·B, Outputs] time-major over the decoder's steps.</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>The array behind <see cref="Logits"/>.</summary>
    public float[] LogitBuffer => _logits;

    /// <summary>
    /// The teacher-forced pass: <paramref name="source"/> holds the source tokens, <paramref name="target"/> the
    /// decoder's inputs (⟨s⟩ y_1 … y_m) with the classes it must score (y_1 … y_m ⟨/s⟩) as per-step labels.
    /// </summary>
    public void Forward(SequenceBatch source, SequenceBatch target, int threads)
    {
        if (source.Size != target.Size)
            throw new ArgumentException($"{source.Size} sources but {target.Size} targets.");
        WeightVersion++;
        Encode(source, threads);
        int steps = target.Steps, size = target.Size, hidden = Shape.Hidden;
        var input = Workspace.Ensure(ref _targetEmbedded, steps * size * Shape.EmbeddingSize);
        Embed(TargetEmbedding, target, input);
        var offset = 0;
        for (var l = 0; l < _decoder.Length; l++)
        {
            _decoder[l].Forward(input, offset, steps, size, target.Lengths, threads, WeightVersion, training: true,
                _bridges[l]);
            input = _decoder[l].Output;
            offset = _decoder[l].OutputOffset;
        }
        _topOutput = StridedMatrix.RowMajor(input, steps * size, hidden, offset);
        Workspace.Ensure(ref _logits, steps * size * Shape.Outputs);
        Head.ForwardSteps(_topOutput, _logits, threads);
    }

    /// <summary>
    /// Runs the encoder over <paramref name="source"/> and sets each decoder layer's initial state to the final state
    /// of its encoder layer. The encoder keeps its history (a training pass): the LSTM's final c is read from it.
    /// </summary>
    public void Encode(SequenceBatch source, int threads)
    {
        int steps = source.Steps, size = source.Size, hidden = Shape.Hidden;
        var input = Workspace.Ensure(ref _sourceEmbedded, steps * size * Shape.EmbeddingSize);
        Embed(SourceEmbedding, source, input);
        var offset = 0;
        var hasCell = _encoder[0].Cell.HasCellState;
        for (var l = 0; l < _encoder.Length; l++)
        {
            var encoder = _encoder[l];
            encoder.Forward(input, offset, steps, size, source.Lengths, threads, WeightVersion, training: true);
            input = encoder.Output;
            offset = encoder.OutputOffset;
            var bridge = _bridges[l];
            var h0 = Resize(bridge.InitialState, size * hidden);
            var c0 = hasCell ? Resize(bridge.InitialCell, size * hidden) : null;
            for (var b = 0; b < size; b++)
            {
                encoder.FinalState(b, source.Lengths[b]).CopyTo(h0.AsSpan(b * hidden, hidden));
                if (c0 is not null)
                    encoder.FinalCell(b, source.Lengths[b]).CopyTo(c0.AsSpan(b * hidden, hidden));
            }
            bridge.InitialState = h0;
            bridge.InitialCell = c0;
        }
    }

    /// <summary>Decoder layer ℓ's initial state h^ℓ_0 (and c^ℓ_0), rows [B, H], as the last <see cref="Encode"/> set it.</summary>
    public (float[] State, float[]? Cell) InitialState(int layer) =>
        (_bridges[layer].InitialState!, _bridges[layer].InitialCell);

    // An exact-size buffer: the boundary reads B·H floats from it, and a model's batches vary in size.
    private static float[] Resize(float[]? buffer, int length) =>
        buffer is not null && buffer.Length == length ? buffer : new float[length];

    /// <summary>Decoder layer ℓ's ∂L/∂h^ℓ_0 (and ∂L/∂c^ℓ_0), rows [B, H], as the last <see cref="ComputeGradients"/> left them:
    /// what enters encoder layer ℓ at each source's last valid step.</summary>
    public (float[] State, float[]? Cell) InitialStateGradient(int layer) =>
        (_bridges[layer].InitialStateGradient!, _encoder[0].Cell.HasCellState ? _bridges[layer].InitialCellGradient : null);

    /// <summary>
    /// The encoder's recurrent weights, one per layer, for the Jacobian bound: the path the decoder's gradient takes
    /// back from the bridge. <see cref="RecurrentWeights.Weights"/> reads the live values.
    /// </summary>
    public IReadOnlyList<RecurrentWeights> EncoderRecurrentWeights => _encoder.Select((d, l) => new RecurrentWeights(
        $"{l}", d.RecurrentWeights.Value, d.RecurrentWeights.Shape[0], d.RecurrentWeights.Shape[1],
        Shape.Cell == RecurrentCellKind.Rnn && Shape.Activation == RecurrentActivation.Sigmoid ? 0.25 : 1.0)).ToArray();

    /// <summary>
    /// Teacher-forced forward, the loss (mean over the batch's target steps) and BPTT through the decoder and,
    /// through the bridge, the encoder: fills every parameter's gradient. Returns the loss. With
    /// <paramref name="adjoints"/>, records ‖∂L/∂s_t‖ (s = h, or [h; c]) of encoder layer 0 at every source step,
    /// from the last valid one, where the decoder's gradient enters through the bridge, back to the first.
    /// </summary>
    public double ComputeGradients(SequenceBatch source, SequenceBatch target, int threads, AdjointRecorder? adjoints = null)
    {
        Forward(source, target, threads);
        int hidden = Shape.Hidden, size = target.Size;
        var rows = target.Steps * size;
        var logitGradient = Workspace.Ensure(ref _logitGradient, rows * Shape.Outputs);
        var loss = Head.StepLoss(_logits, target, logitGradient, threads);
        var above = Workspace.Ensure(ref _above, rows * hidden);
        Head.BackwardSteps(_topOutput, logitGradient, above, threads);
        foreach (var bridge in _bridges)
        {
            bridge.InitialStateGradient = Resize(bridge.InitialStateGradient, size * hidden);
            bridge.InitialCellGradient = Resize(bridge.InitialCellGradient, size * hidden);
            bridge.FinalCellGradient = null;
        }
        var targetGradient = Workspace.Ensure(ref _targetGradient, rows * Shape.EmbeddingSize);
        BackwardStack(_decoder, above, target, targetGradient, threads, l => _bridges[l], injectFinal: null, adjoints: null);
        ScatterEmbeddingGradient(TargetEmbedding, target, targetGradient);

        // The encoder: no loss of its own; ∂L/∂h^ℓ_S arrives at each sequence's last step from decoder layer ℓ.
        var sourceRows = source.Steps * source.Size;
        var top = Workspace.Ensure(ref _above, sourceRows * hidden);
        top.AsSpan(0, sourceRows * hidden).Clear();
        var encoderBoundaries = _bridges.Select(b => new DirectionBoundary
        {
            FinalCellGradient = _encoder[0].Cell.HasCellState ? b.InitialCellGradient : null,
        }).ToArray();
        var sourceGradient = Workspace.Ensure(ref _sourceGradient, sourceRows * Shape.EmbeddingSize);
        adjoints?.Begin(source.Lengths, source.Size, window: null);
        BackwardStack(_encoder, top, source, sourceGradient, threads, l => encoderBoundaries[l],
            injectFinal: (l, gradient) => AddAtLastSteps(_bridges[l].InitialStateGradient!, gradient, source), adjoints);
        ScatterEmbeddingGradient(SourceEmbedding, source, sourceGradient);
        return loss;
    }

    /// <summary>
    /// Greedy decoding: encodes <paramref name="source"/>, then from ⟨s⟩ feeds each step's most likely class back as
    /// the next input until ⟨/s⟩ or <paramref name="maxSteps"/> symbols. Returns each sequence's symbols (⟨/s⟩ left
    /// out). Runs all sequences of the batch side by side, one <see cref="RecurrentDirection.Step"/> per layer and step.
    /// </summary>
    public int[][] Decode(SequenceBatch source, int maxSteps, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        using var team = InferenceTeam.Enter(threads);
        Encode(source, threads);
        int size = source.Size, hidden = Shape.Hidden, width = Shape.EmbeddingSize, outputs = Shape.Outputs;
        var states = new float[_decoder.Length][];
        var cells = new float[_decoder.Length][];
        for (var l = 0; l < _decoder.Length; l++)
        {
            states[l] = (float[])_bridges[l].InitialState!.Clone();
            cells[l] = _bridges[l].InitialCell is { } c ? (float[])c.Clone() : new float[size * hidden];
        }
        var nextState = new float[size * hidden];
        var nextCell = new float[size * hidden];
        var input = new float[size * width];
        var logits = new float[size * outputs];
        var previous = Enumerable.Repeat(Shape.Boundary, size).ToArray();
        var decoded = Enumerable.Range(0, size).Select(_ => new List<int>()).ToArray();
        var finished = new bool[size];
        for (var step = 0; step < maxSteps && finished.Contains(false); step++)
        {
            for (var b = 0; b < size; b++)
                TargetEmbedding.Value.AsSpan(previous[b] * width, width).CopyTo(input.AsSpan(b * width, width));
            ReadOnlySpan<float> x = input;
            for (var l = 0; l < _decoder.Length; l++)
            {
                _decoder[l].Step(x, size, states[l], cells[l], nextState, nextCell, WeightVersion);
                (states[l], nextState) = (nextState, states[l]);
                (cells[l], nextCell) = (nextCell, cells[l]);
                x = states[l];
            }
            Head.Forward(x, size, logits);
            for (var b = 0; b < size; b++)
            {
                var best = TensorPrimitives.IndexOfMax(logits.AsSpan(b * outputs, outputs));
                previous[b] = best;
                if (finished[b])
                    continue;
                if (best == Shape.Boundary)
                    finished[b] = true;
                else
                    decoded[b].Add(best);
            }
        }
        return decoded.Select(d => d.ToArray()).ToArray();
    }

    // BPTT down one stack from ∂L/∂(top layer's output) in `above`; ∂L/∂(embedded input) lands in `inputGradient`.
    // `injectFinal(ℓ, g)` adds into g, the output gradient of layer ℓ, whatever reaches it from outside the stack;
    // `adjoints` records layer 0's.
    private void BackwardStack(RecurrentDirection[] stack, float[] above, SequenceBatch batch, float[] inputGradient,
        int threads, Func<int, DirectionBoundary> boundary, Action<int, float[]>? injectFinal, AdjointRecorder? adjoints)
    {
        var rows = batch.Steps * batch.Size;
        injectFinal?.Invoke(stack.Length - 1, above);
        for (var l = stack.Length - 1; l >= 0; l--)
        {
            var below = l > 0 ? Workspace.Ensure(ref _below, rows * Shape.Hidden) : inputGradient;
            stack[l].Backward(above, Shape.Hidden, 0, batch.Lengths, truncation: null, below, accumulateInput: false,
                recorder: l == 0 ? adjoints : null, threads, boundary: boundary(l));
            if (l == 0)
                break;
            injectFinal?.Invoke(l - 1, below);
            // The two buffers swap roles: this layer's input gradient is the next one's output gradient.
            (_above, _below) = (below, above);
            above = below;
        }
    }

    // gradient[(T_b − 1)·B + b] += ∂L/∂h_S of sequence b.
    private static void AddAtLastSteps(float[] finalGradient, float[] gradient, SequenceBatch batch)
    {
        int size = batch.Size, hidden = finalGradient.Length / size;
        for (var b = 0; b < size; b++)
        {
            var row = gradient.AsSpan(((batch.Lengths[b] - 1) * size + b) * hidden, hidden);
            TensorPrimitives.Add(row, finalGradient.AsSpan(b * hidden, hidden), row);
        }
    }

    private void Embed(Parameter embedding, SequenceBatch batch, float[] destination)
    {
        var width = Shape.EmbeddingSize;
        var rows = batch.Steps * batch.Size;
        for (var r = 0; r < rows; r++)
        {
            var row = destination.AsSpan(r * width, width);
            if (r / batch.Size >= batch.Lengths[r % batch.Size])
                row.Clear();
            else
                embedding.Value.AsSpan(batch.Tokens[r] * width, width).CopyTo(row);
        }
    }

    private void ScatterEmbeddingGradient(Parameter embedding, SequenceBatch batch, float[] inputGradient)
    {
        var width = Shape.EmbeddingSize;
        Array.Clear(embedding.Gradient);
        var rows = batch.Steps * batch.Size;
        for (var r = 0; r < rows; r++)
        {
            if (r / batch.Size >= batch.Lengths[r % batch.Size])
                continue;
            var row = embedding.Gradient.AsSpan(batch.Tokens[r] * width, width);
            TensorPrimitives.Add(row, inputGradient.AsSpan(r * width, width), row);
        }
    }
}
