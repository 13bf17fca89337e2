using Recurrent.Trainer;
using Recurrent.Trainer.MLNet;

namespace Microsoft.ML;

/// <summary>
/// Recurrent sequence models (Elman RNN, LSTM, GRU trained by exact BPTT) as ML.NET trainers:
/// <c>mlContext.MulticlassClassification.Trainers.Recurrent(...)</c> and its binary and regression siblings.
/// </summary>
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
}
