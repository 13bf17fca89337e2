using System.Text.Json.Serialization;
using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Everything that fixes the parameter shapes of a network, and what they cost: its weights and the floats a pass
/// keeps per sequence and step. The costs are methods, not properties: the shape is written into model files as it
/// is, and they are not part of it.
/// </summary>
internal sealed record NetworkShape(
    RecurrentCellKind Cell,
    RecurrentActivation Activation,
    int Hidden,
    int Layers,
    bool Bidirectional,
    bool UseBias,
    bool GruLinearBeforeReset,
    InputKind InputKind,
    int InputWidth,
    int VocabularySize,
    HeadKind Head,
    int Outputs)
{
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>
    /// Layer ℓ's state comes from step t − Dilations[ℓ] (null: every layer 1, the plain recurrence). Left out of the
    /// model file when null, so files of undilated models are written exactly as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? Dilations { get; init; }

    /// <summary>
    /// One output per step (many-to-many, equal length) instead of one per sequence. Left out of the model file when
    /// false, so files of per-sequence models are written exactly as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool PerStep { get; init; }

    /// <summary>
    /// Every layer and direction learns when to update its state (Campos et al.'s Skip RNN, <see cref="SkipUpdateGate"/>):
    /// W_p and b_p more per direction. Left out of the model file when false, so other models' files are unchanged.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SkipUpdates { get; init; }

    /// <summary>The width of s_t that a skip gate's W_p reads: H, or [h; c] for the LSTM (not part of the file).</summary>
    [JsonIgnore]
    public int SkipStateWidth => Cell == RecurrentCellKind.Lstm ? 2 * Hidden : Hidden;

    /// <summary>The dilation of layer <paramref name="layer"/> (1 when none was set).</summary>
    public int DilationOf(int layer) => Dilations is { } d ? d[layer] : 1;

    /// <summary>
    /// Every weight the network holds: the embedding (vocabulary × E), each layer and direction's W_xh [G·H, in],
    /// W_hh [G·H, H] and, with biases, b_xh and b_hh (with skip gates also W_p and b_p), and the head's
    /// W [outputs, directions·H] and b.
    /// </summary>
    public long CountParameters()
    {
        long gateWidth = CellOf().GateCount * (long)Hidden, bias = UseBias ? 2 * gateWidth : 0;
        if (SkipUpdates)
            bias += SkipStateWidth + 1;
        long total = InputKind == InputKind.Tokens ? (long)VocabularySize * InputWidth : 0;
        long input = InputWidth;
        for (var layer = 0; layer < Layers; layer++)
        {
            total += Directions * (gateWidth * (input + Hidden) + bias);
            input = (long)Directions * Hidden;
        }
        return total + (input + (UseBias ? 1 : 0)) * Outputs;
    }

    /// <summary>
    /// The floats a training pass keeps per sequence and step, as <see cref="DirectionBuffers"/> and
    /// <see cref="SequenceNetwork"/> allocate them: in every direction the input projection, the gate activations
    /// and their gradients (a second one for a cell whose recurrent product has its own, the GRU), h, c and the
    /// cell's extra; per layer its gradient and, when bidirectional, its concatenated output; and the input (the
    /// embedded tokens and their gradient, or the features). A skip gate adds the candidate h (and c) and four
    /// floats (ũ, u, Δũ and its gradient). Per-worker scratch of one step is not counted. It is a bound: where a
    /// worker's rows and the kernel plan let training project each step's input in a buffer of one step, a pass
    /// keeps less.
    /// </summary>
    public long TrainingFloatsPerStep()
    {
        var cell = CellOf();
        long gateWidth = cell.GateCount * (long)Hidden;
        long direction = gateWidth * (cell.AddsToInputProjection ? 3 : 4) + 3L * Hidden;
        if (SkipUpdates)
            direction += SkipStateWidth + 4;
        long layer = Directions * direction + Directions * (long)Hidden + (Directions == 2 ? 2L * Hidden : 0);
        return Layers * layer + (InputKind == InputKind.Tokens ? 2L * InputWidth : InputWidth);
    }

    /// <summary>
    /// The floats an inference pass keeps per sequence and step, which holds no history for BPTT: in every
    /// direction h and, at most, the input projection of every step (rows that share a worker four at a time
    /// project step by step instead); per layer its concatenated output when bidirectional; and the input. A per-step
    /// head adds its output at every step (<see cref="StepOutputFloats"/>).
    /// </summary>
    public long InferenceFloatsPerStep()
    {
        long direction = CellOf().GateCount * (long)Hidden + Hidden;
        long layer = Directions * direction + (Directions == 2 ? 2L * Hidden : 0);
        return Layers * layer + InputWidth + StepOutputFloats();
    }

    /// <summary>
    /// What a per-step head's prediction returns for every step: a probability per class (two for a binary head), or
    /// a value; 0 for a per-sequence head, whose one output per sequence is not counted.
    /// </summary>
    public long StepOutputFloats() => !PerStep ? 0 : Head switch
    {
        HeadKind.Regression => 1,
        HeadKind.Binary => 2,
        _ => Outputs,
    };

    /// <summary>
    /// The floats a training pass keeps for one sequence of <paramref name="steps"/> steps, dilations included: a
    /// layer of dilation d runs d interleaved sub-sequences of ⌈T/d⌉ steps, so it holds d·⌈T/d⌉ steps (T padded up to
    /// a multiple of d; a dilation far beyond T pads a short sequence to d steps), d more state slots per direction
    /// and the scratch of d rows. Without dilations, <paramref name="steps"/> × <see cref="TrainingFloatsPerStep"/>,
    /// the slots and one row's scratch. It is a bound, like the per-step figures.
    /// </summary>
    public long TrainingFloats(int steps) => Floats(steps, TrainingFloatsPerStep(), training: true);

    /// <summary>The floats an inference pass keeps for one sequence of <paramref name="steps"/> steps, dilations included.</summary>
    public long InferenceFloats(int steps) => Floats(steps, InferenceFloatsPerStep(), training: false);

    private long Floats(int steps, long perStep, bool training)
    {
        long input = InputWidth * (InputKind == InputKind.Tokens && training ? 2L : 1L);
        // A per-step head's outputs, one row per step, outside the layers (and their dilations' padding).
        long output = training ? 0 : StepOutputFloats();
        var perLayer = (perStep - input - output) / Layers;
        long total = steps * (input + output);
        var row = ScratchFloatsPerRow(training);
        for (var layer = 0; layer < Layers; layer++)
        {
            long d = DilationOf(layer), padded = d * ((steps + d - 1) / d);
            // h (and c) keep one more slot per sub-sequence: the initial state; and each of the d rows a sequence
            // becomes has its workers' scratch of one step (DirectionBuffers.PartScratch), which for a dilation far
            // beyond the sequence weighs as much as its steps.
            total += padded * perLayer + d * Directions * (Hidden * (training ? 2L : 1L) + row);
        }
        return total;
    }

    /// <summary>One row's scratch of one step in a direction, as <c>DirectionBuffers.PartScratch</c> sizes it.</summary>
    private long ScratchFloatsPerRow(bool training)
    {
        var cell = CellOf();
        long gateWidth = cell.GateCount * (long)Hidden;
        var recurrent = cell.AddsToInputProjection ? 0 : gateWidth;
        return recurrent + (training ? 4L * Hidden : 2 * gateWidth + 3L * Hidden);
    }

    private IRecurrentCell CellOf() => RecurrentCells.Create(Cell, Activation, GruLinearBeforeReset);

    /// <summary>The shape a dataset and options call for.</summary>
    public static NetworkShape For(SequenceModelOptions options, SequenceDataset data)
    {
        var head = data.Labels.IsRegression ? HeadKind.Regression
            : data.Labels.ClassCount == 2 ? HeadKind.Binary : HeadKind.MultiClass;
        var tokens = data.InputKind == InputKind.Tokens;
        return new NetworkShape(options.Cell, options.Activation, options.HiddenSize, options.Layers,
            options.Bidirectional, options.UseBias, options.GruLinearBeforeReset, data.InputKind,
            tokens ? options.EmbeddingSize : data.FeatureCount, tokens ? data.Vocabulary!.Count : 0, head,
            head == HeadKind.MultiClass ? data.Labels.ClassCount : 1)
        {
            Dilations = options.Dilations?.ToArray(),
            PerStep = data.PerStep,
            SkipUpdates = options.SkipUpdates,
        };
    }
}

/// <summary>
/// What a network costs, as the engine allocates it: its weights, and the bytes each sequence step holds while it
/// trains (everything BPTT keeps) and while it predicts. Limits on runs and predictions are set from these.
/// </summary>
/// <param name="Parameters">Every weight: embedding, each layer and direction, the head.</param>
/// <param name="TrainingBytesPerStep">What a training pass keeps for one sequence and one step, in bytes.</param>
/// <param name="InferenceBytesPerStep">What a prediction keeps for one sequence and one step, in bytes.</param>
internal readonly record struct NetworkSize(long Parameters, long TrainingBytesPerStep, long InferenceBytesPerStep)
{
    // The shape the sizes came from, for the sizes of whole sequences (null: a size made by hand, undilated).
    private NetworkShape? Shape { get; init; }

    /// <summary>A per-step head's outputs at every step (<see cref="NetworkShape.StepOutputFloats"/>); 0 for one output per sequence.</summary>
    public long StepOutputFloats => Shape?.StepOutputFloats() ?? 0;

    /// <summary>What a training pass keeps for one sequence of <paramref name="steps"/> steps, in bytes, dilations' padding included.</summary>
    public long TrainingBytes(int steps) => (Shape?.TrainingFloats(steps) ?? steps * TrainingBytesPerStep / sizeof(float)) * sizeof(float);

    /// <summary>What a prediction keeps for one sequence of <paramref name="steps"/> steps, in bytes, dilations' padding included.</summary>
    public long InferenceBytes(int steps) => (Shape?.InferenceFloats(steps) ?? steps * InferenceBytesPerStep / sizeof(float)) * sizeof(float);

    /// <summary>The size of the network <paramref name="options"/> build on data of this kind.</summary>
    /// <param name="options">The cell, hidden size, layers, directions, embedding and biases.</param>
    /// <param name="inputKind">Tokens (through the embedding) or numeric steps.</param>
    /// <param name="featureCount">Features per step of numeric input (ignored for tokens).</param>
    /// <param name="vocabularySize">Token ids, &lt;pad&gt; and &lt;unk&gt; included (ignored for numeric input).</param>
    /// <param name="outputs">The head's outputs: the class count, or 1 for two classes and for regression.</param>
    /// <param name="perStep">
    /// A per-step head: a prediction also holds its output at every step (a probability per class, at least two).
    /// </param>
    public static NetworkSize Of(SequenceModelOptions options, InputKind inputKind, int featureCount, int vocabularySize, int outputs,
        bool perStep = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tokens = inputKind == InputKind.Tokens;
        var shape = new NetworkShape(options.Cell, options.Activation, options.HiddenSize, options.Layers, options.Bidirectional,
            options.UseBias, options.GruLinearBeforeReset, inputKind, tokens ? options.EmbeddingSize : featureCount,
            tokens ? vocabularySize : 0, outputs == 1 ? HeadKind.Binary : HeadKind.MultiClass, outputs)
        {
            Dilations = options.Dilations?.ToArray(),
            PerStep = perStep,
            SkipUpdates = options.SkipUpdates,
        };
        return new NetworkSize(shape.CountParameters(), shape.TrainingFloatsPerStep() * sizeof(float),
            shape.InferenceFloatsPerStep() * sizeof(float))
        {
            Shape = shape,
        };
    }
}
