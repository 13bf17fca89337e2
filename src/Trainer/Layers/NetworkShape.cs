using System.Text.Json.Serialization;
using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Layers;

/// <summary>Everything that fixes the parameter shapes of a network.</summary>
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

    /// <summary>The dilation of layer <paramref name="layer"/> (1 when none was set).</summary>
    public int DilationOf(int layer) => Dilations is { } d ? d[layer] : 1;

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
        };
    }
}
