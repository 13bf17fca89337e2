namespace Recurrent.Trainer.Data;

/// <summary>
/// One labelled sequence: token ids (for an embedding) or numeric steps (a float vector per step), with one label
/// for the whole sequence (many-to-one) or one label per step (many-to-many, equal length).
/// </summary>
public sealed class SequenceExample
{
    /// <summary>The class index of a step that carries no label: it adds nothing to the loss or the metrics.</summary>
    public const int Unlabelled = -1;

    private SequenceExample(int[]? tokenIds, float[]? features, int length, int classIndex, float target,
        int[]? stepClassIndices = null, float[]? stepTargets = null)
    {
        if (length <= 0)
            throw new ArgumentException("A sequence needs at least one step.", nameof(length));
        var stepLabels = stepClassIndices?.Length ?? stepTargets?.Length;
        if (stepLabels is int count && count != length)
            throw new ArgumentException($"A sequence of {length} steps needs {length} step labels, not {count}.");
        TokenIds = tokenIds;
        Features = features;
        Length = length;
        ClassIndex = classIndex;
        Target = target;
        StepClassIndices = stepClassIndices;
        StepTargets = stepTargets;
    }

    /// <summary>Token ids, one per step (null for numeric sequences).</summary>
    public int[]? TokenIds { get; }

    /// <summary>Numeric steps, row-major [Length, featureCount] (null for token sequences).</summary>
    public float[]? Features { get; }

    /// <summary>Number of steps.</summary>
    public int Length { get; }

    /// <summary>Class index into the dataset's <see cref="LabelSet"/>, or -1 for regression and per-step labels.</summary>
    public int ClassIndex { get; }

    /// <summary>Regression target (0 for classification and per-step labels).</summary>
    public float Target { get; }

    /// <summary>
    /// Per-step labels: the class index of every step, <see cref="Unlabelled"/> for a step without a label (null for
    /// one label per sequence and for per-step regression).
    /// </summary>
    public int[]? StepClassIndices { get; }

    /// <summary>
    /// Per-step regression targets, NaN for a step without a target (null for one label per sequence and for
    /// per-step classes).
    /// </summary>
    public float[]? StepTargets { get; }

    /// <summary>True when the sequence has a label per step (a per-step head), false for one per sequence.</summary>
    public bool IsPerStep => StepClassIndices is not null || StepTargets is not null;

    /// <summary>A token sequence with a class label.</summary>
    public static SequenceExample FromTokens(int[] tokenIds, int classIndex) =>
        new(tokenIds, null, tokenIds.Length, classIndex, 0f);

    /// <summary>A token sequence with a regression target.</summary>
    public static SequenceExample FromTokens(int[] tokenIds, float target) =>
        new(tokenIds, null, tokenIds.Length, -1, target);

    /// <summary>A token sequence with a class per step (<see cref="Unlabelled"/> for a step without one).</summary>
    public static SequenceExample FromTokens(int[] tokenIds, int[] stepClassIndices) =>
        new(tokenIds, null, tokenIds.Length, -1, 0f, stepClassIndices ?? throw new ArgumentNullException(nameof(stepClassIndices)));

    /// <summary>A token sequence with a regression target per step (NaN for a step without one).</summary>
    public static SequenceExample FromTokens(int[] tokenIds, float[] stepTargets) =>
        new(tokenIds, null, tokenIds.Length, -1, 0f, null, stepTargets ?? throw new ArgumentNullException(nameof(stepTargets)));

    /// <summary>A numeric sequence [steps, featureCount] with a class label.</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, int classIndex) =>
        new(null, features, StepCount(features, featureCount), classIndex, 0f);

    /// <summary>A numeric sequence [steps, featureCount] with a regression target.</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, float target) =>
        new(null, features, StepCount(features, featureCount), -1, target);

    /// <summary>A numeric sequence [steps, featureCount] with a class per step (<see cref="Unlabelled"/> for none).</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, int[] stepClassIndices) =>
        new(null, features, StepCount(features, featureCount), -1, 0f,
            stepClassIndices ?? throw new ArgumentNullException(nameof(stepClassIndices)));

    /// <summary>A numeric sequence [steps, featureCount] with a regression target per step (NaN for none).</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, float[] stepTargets) =>
        new(null, features, StepCount(features, featureCount), -1, 0f, null,
            stepTargets ?? throw new ArgumentNullException(nameof(stepTargets)));

    private static int StepCount(float[] features, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length % featureCount != 0)
            throw new ArgumentException(
                $"{features.Length} values do not divide into steps of {featureCount} features.", nameof(features));
        return features.Length / featureCount;
    }
}
