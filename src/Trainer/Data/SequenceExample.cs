namespace Recurrent.Trainer.Data;

/// <summary>
/// One labelled sequence: token ids (for an embedding) or numeric steps (a float vector per step).
/// </summary>
public sealed class SequenceExample
{
    private SequenceExample(int[]? tokenIds, float[]? features, int length, int classIndex, float target)
    {
        if (length <= 0)
            throw new ArgumentException("A sequence needs at least one step.", nameof(length));
        TokenIds = tokenIds;
        Features = features;
        Length = length;
        ClassIndex = classIndex;
        Target = target;
    }

    /// <summary>Token ids, one per step (null for numeric sequences).</summary>
    public int[]? TokenIds { get; }

    /// <summary>Numeric steps, row-major [Length, featureCount] (null for token sequences).</summary>
    public float[]? Features { get; }

    /// <summary>Number of steps.</summary>
    public int Length { get; }

    /// <summary>Class index into the dataset's <see cref="LabelSet"/>, or -1 for regression.</summary>
    public int ClassIndex { get; }

    /// <summary>Regression target (0 for classification).</summary>
    public float Target { get; }

    /// <summary>A token sequence with a class label.</summary>
    public static SequenceExample FromTokens(int[] tokenIds, int classIndex) =>
        new(tokenIds, null, tokenIds.Length, classIndex, 0f);

    /// <summary>A token sequence with a regression target.</summary>
    public static SequenceExample FromTokens(int[] tokenIds, float target) =>
        new(tokenIds, null, tokenIds.Length, -1, target);

    /// <summary>A numeric sequence [steps, featureCount] with a class label.</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, int classIndex) =>
        new(null, features, StepCount(features, featureCount), classIndex, 0f);

    /// <summary>A numeric sequence [steps, featureCount] with a regression target.</summary>
    public static SequenceExample FromSteps(float[] features, int featureCount, float target) =>
        new(null, features, StepCount(features, featureCount), -1, target);

    private static int StepCount(float[] features, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length % featureCount != 0)
            throw new ArgumentException(
                $"{features.Length} values do not divide into steps of {featureCount} features.", nameof(features));
        return features.Length / featureCount;
    }
}
