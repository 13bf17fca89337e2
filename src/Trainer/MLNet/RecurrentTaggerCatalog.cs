using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;

namespace Microsoft.ML;

/// <summary>
/// The recurrent tagger in ML.NET's multi-class catalog: <c>mlContext.MulticlassClassification.Trainers.RecurrentTagger(...)</c>
/// trains it (one tag per token) and <c>mlContext.MulticlassClassification.EvaluateTagger(...)</c> scores its output
/// token by token (and span by span for BIO tags), where ML.NET's <c>Evaluate</c> expects one label per row.
/// </summary>
// RS0026: ML.NET's convention, one simple overload and one with options under the same name.
#pragma warning disable RS0026
public static class RecurrentTaggerCatalog
{
    /// <summary>
    /// A recurrent tagger: <paramref name="featureColumnName"/> is a vector of token keys, <paramref name="labelColumnName"/>
    /// a vector of tag keys of the same length.
    /// </summary>
    public static RecurrentTaggerTrainer RecurrentTagger(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features") =>
        RecurrentTagger(catalog, new RecurrentTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>A recurrent tagger with every option (those of the Recurrent trainers; FeaturesPerStep is not used).</summary>
    public static RecurrentTaggerTrainer RecurrentTagger(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        RecurrentTrainerOptions options) =>
        new(CatalogEnvironment.Of(catalog), options);

    /// <summary>
    /// Token-level metrics of a tagger's output: over the steps whose tag is known, the mean cross-entropy of
    /// <paramref name="scoreColumnName"/> (<see cref="Evaluation.Loss"/>), token accuracy, the confusion matrix,
    /// per-tag precision, recall and F1 (<see cref="Evaluation.PerClass"/>, <see cref="Evaluation.MacroF1"/>) and,
    /// when the tags are BIO tags, span precision, recall and F1 as CoNLL counts them (<see cref="Evaluation.Spans"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public static Evaluation EvaluateTagger(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return TaggerEvaluation.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName);
    }
}
