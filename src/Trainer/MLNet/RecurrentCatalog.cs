using Recurrent.Trainer;
using Recurrent.Trainer.MLNet;

namespace Microsoft.ML;

/// <summary>
/// Recurrent sequence models (Elman RNN, LSTM, GRU trained by exact BPTT) as ML.NET trainers:
/// <c>mlContext.MulticlassClassification.Trainers.Recurrent(...)</c> and its binary and regression siblings.
/// </summary>
// RS0026 (one overload with optional parameters per name): ML.NET's convention is one extension per catalog under
// the same name, each with its simple overload; the `this` types keep them apart.
#pragma warning disable RS0026
public static class RecurrentCatalog
{
    /// <summary>A recurrent multi-class classifier of a key label over a sequence column (keys or Single steps).</summary>
    public static RecurrentTrainer Recurrent(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features") =>
        Recurrent(catalog, new RecurrentTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>A recurrent multi-class classifier with every option.</summary>
    public static RecurrentTrainer Recurrent(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        RecurrentTrainerOptions options) =>
        new(CatalogEnvironment.Of(catalog), RecurrentTask.MulticlassClassification, options);

    /// <summary>A recurrent binary classifier of a Boolean label over a sequence column.</summary>
    public static RecurrentTrainer Recurrent(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features") =>
        Recurrent(catalog, new RecurrentTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>A recurrent binary classifier with every option.</summary>
    public static RecurrentTrainer Recurrent(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        RecurrentTrainerOptions options) =>
        new(CatalogEnvironment.Of(catalog), RecurrentTask.BinaryClassification, options);

    /// <summary>A recurrent regression of a Single label over a sequence column.</summary>
    public static RecurrentTrainer Recurrent(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features") =>
        Recurrent(catalog, new RecurrentTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName });

    /// <summary>A recurrent regression with every option.</summary>
    public static RecurrentTrainer Recurrent(this RegressionCatalog.RegressionTrainers catalog, RecurrentTrainerOptions options) =>
        new(CatalogEnvironment.Of(catalog), RecurrentTask.Regression, options);
    /// <summary>
    /// Writes the Recurrent network of a fitted or loaded ML.NET <paramref name="model"/> as ONNX (standard
    /// RNN/LSTM/GRU operators) to <paramref name="stream"/>. Without featurisation the graph is the standard one:
    /// <c>input</c> (int64 token ids = key + 1, or float steps [batch, sequence, features]) and <c>sequence_lens</c>
    /// (int32) in, <c>logits</c> and <c>probabilities</c> (or <c>value</c>) out. With
    /// <paramref name="includeFeaturization"/> the pipeline's text steps go into the graph as standard operators
    /// (NormalizeText's lowercasing as StringNormalizer, TokenizeIntoWords as StringSplit, MapValueToKey and the class
    /// names as ai.onnx.ml LabelEncoder): the raw input column in, ML.NET's <c>Score</c>, <c>PredictedLabel</c> (and
    /// <c>Probability</c>) out, equal to a PredictionEngine on the same rows.
    /// </summary>
    /// <param name="catalog">The MLContext's model operations (<c>mlContext.Model</c>).</param>
    /// <param name="model">The model Fit returned, or one <c>mlContext.Model.Load</c> read.</param>
    /// <param name="inputSchema">The schema the model reads: the training data's, or the one Load gave.</param>
    /// <param name="stream">Where the ONNX model is written.</param>
    /// <param name="includeFeaturization">Put the pipeline's featurisation into the graph.</param>
    /// <exception cref="ArgumentException">The model holds no Recurrent trainer, or more than one.</exception>
    /// <exception cref="InvalidOperationException">
    /// With <paramref name="includeFeaturization"/>: a step cannot be expressed with standard ONNX operators; the
    /// message names it.
    /// </exception>
    public static void ConvertRecurrentToOnnx(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema,
        Stream stream, bool includeFeaturization = false) =>
        FittedModelOnnx.Write(catalog, model, inputSchema, stream, includeFeaturization);
}
