namespace Recurrent.Trainer.Data;

/// <summary>
/// Whether a dataset can meet a model trained on another: the same head (per sequence or per step), the same inputs,
/// the same classes and vocabulary. Training checks its validation data and a checkpoint's model with it, a model the
/// data it evaluates.
/// </summary>
internal static class DatasetCompatibility
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="other"/> and what differs from <paramref name="train"/>.</summary>
    public static void Check(SequenceDataset train, SequenceDataset other)
    {
        if (other.PerStep != train.PerStep)
            throw new ArgumentException(train.PerStep
                ? $"'{other.Name}' has one label per sequence but the training data '{train.Name}' has a label per step."
                : $"'{other.Name}' has a label per step but the training data '{train.Name}' has one per sequence.");
        if (other.InputKind != train.InputKind || other.FeatureCount != train.FeatureCount)
            throw new ArgumentException(
                $"'{other.Name}' has {Describe(other)} but the training data '{train.Name}' has {Describe(train)}.");
        if (other.Labels.IsRegression != train.Labels.IsRegression
            || !other.Labels.ClassNames.SequenceEqual(train.Labels.ClassNames))
            throw new ArgumentException($"'{other.Name}' is not labelled with the training data's classes.");
        if (other.Vocabulary is not null && !ReferenceEquals(other.Vocabulary, train.Vocabulary)
            && !other.Vocabulary.Tokens.SequenceEqual(train.Vocabulary!.Tokens))
            throw new ArgumentException($"'{other.Name}' was not encoded with the training vocabulary.");
    }

    private static string Describe(SequenceDataset d) =>
        d.InputKind == InputKind.Tokens ? "token steps" : $"{d.FeatureCount} features per step";
}
