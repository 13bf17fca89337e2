using Recurrent.Trainer.MLNet;

namespace Microsoft.ML;

/// <summary>
/// The recurrent encoder–decoder in ML.NET's multi-class catalog, beside the tagger: every output symbol is a choice
/// among the target's classes (as Microsoft.ML.TorchSharp's question answering, whose answer is also a span of
/// varying length, sits there). <c>mlContext.MulticlassClassification.Trainers.RecurrentEncoderDecoder(...)</c> trains
/// it and <c>mlContext.MulticlassClassification.EvaluateEncoderDecoder(...)</c> scores its output sequence by sequence.
/// </summary>
// RS0026: ML.NET's convention, one simple overload and one with options under the same name.
#pragma warning disable RS0026
public static class RecurrentEncoderDecoderCatalog
{
    /// <summary>
    /// A recurrent encoder–decoder: <paramref name="featureColumnName"/> is the source, a vector of keys;
    /// <paramref name="labelColumnName"/> the target, a vector of keys of any length.
    /// </summary>
    public static RecurrentEncoderDecoderTrainer RecurrentEncoderDecoder(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features") =>
        RecurrentEncoderDecoder(catalog, new RecurrentTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>
    /// A recurrent encoder–decoder with options (those of the Recurrent trainers; Bidirectional, Dilations, SkipUpdates,
    /// truncation, OmegaWeight, FreezeRecurrent, RecurrentInit and EarlyStoppingPatience are refused by name,
    /// FeaturesPerStep is not used).
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid or does not apply to an encoder–decoder.</exception>
    public static RecurrentEncoderDecoderTrainer RecurrentEncoderDecoder(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        RecurrentTrainerOptions options) =>
        new(CatalogEnvironment.Of(catalog), options);

    /// <summary>
    /// Token and exact-sequence accuracy of an encoder–decoder's output against the target, over the rows whose target
    /// is known (no missing key, not empty). Token accuracy counts the positions where output and target agree over
    /// Σ max(|output|, |target|), so a missing or an extra symbol is wrong.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or is not a vector of keys of the same key type.</exception>
    public static RecurrentEncoderDecoderMetrics EvaluateEncoderDecoder(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return EncoderDecoderOutputEvaluation.Evaluate(data, labelColumnName, predictedLabelColumnName);
    }
}
