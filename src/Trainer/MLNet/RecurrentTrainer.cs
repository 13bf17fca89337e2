using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Microsoft.ML;

/// <summary>
/// The ML.NET estimator of a recurrent sequence model: <see cref="Fit"/> reads the label and sequence columns,
/// trains with the engine (<see cref="SequenceModelTrainer"/>, full diagnostics), and returns a model made
/// only of ML.NET's own transformers (<see cref="MLNetModelBuilder"/>). Created by
/// <c>mlContext.{MulticlassClassification|BinaryClassification|Regression}.Trainers.Recurrent(...)</c>.
/// </summary>
public sealed class RecurrentTrainer : IEstimator<ITransformer>
{
    private const string Name = "Recurrent";

    private readonly MLContext _ml;
    private readonly IHost _host;
    private readonly RecurrentTrainerOptions _options;

    internal RecurrentTrainer(IHostEnvironment environment, RecurrentTask task, RecurrentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateAll();
        // The catalogs that assemble the fitted model (stock transforms only, no randomness) are reached from a
        // context of our own; training messages go to the caller's context through _host.
        _ml = new MLContext();
        _host = environment.Register(Name);
        Task = task;
        _options = (RecurrentTrainerOptions)options.Clone();
    }

    /// <summary>The task, which decides the label type and the output columns.</summary>
    internal RecurrentTask Task { get; }

    /// <summary>The trained engine model of the last <see cref="Fit"/> (its weights, vocabulary and classes).</summary>
    public SequenceModel? LastModel { get; private set; }

    /// <summary>
    /// Trains on <paramref name="input"/> and returns the fitted ML.NET model. Rows with a missing value (NaN or
    /// ±Inf among the features, an empty token sequence, a missing label) are skipped and counted in a warning on the
    /// MLContext's log, as ML.NET's own trainers do.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">No row is left to train on: the message names the columns whose values were missing.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var columns = SequenceColumns.Describe(input.Schema, Task, _options);
        var (all, skipped) = DataViewSequences.Read(input, columns);
        using (var run = FitRun.Start(_host, _options, Skipped(skipped, columns), all.Count))
        {
            var (train, validation) = run.HoldOut(all);
            LastModel = new SequenceModelTrainer(run.EngineOptions(train.Count, validation?.Count, "sequences"))
                .Fit(train, validation, run.Observer, _options.CancellationToken);
        }
        return MLNetModelBuilder.Build(_ml, LastModel, _options.FeatureColumnName, input, Task);
    }

    // How this trainer words its skipped rows; the refusal names each kind of missing value that left no row.
    private static SkippedRows Skipped(DataViewSequences.Skipped skipped, SequenceColumns columns)
    {
        var what = columns.Kind == InputKind.Tokens ? "empty token sequences" : "missing features (NaN or infinite)";
        var withoutFeatures = $"with {what} in column '{columns.Features.Name}'";
        var withoutLabel = $"with a missing label in column '{columns.Label.Name}'";
        var parts = new List<string>();
        if (skipped.MissingFeatures > 0)
            parts.Add($"{skipped.MissingFeatures} {withoutFeatures}");
        if (skipped.MissingLabel > 0)
            parts.Add($"{skipped.MissingLabel} {withoutLabel}");
        var nothingLeft = parts.Count == 0
            ? "The training data has no rows."
            : $"Every row of the training data has a missing value ({string.Join(", ", parts)}); there is nothing to train on.";
        return new SkippedRows(Name, skipped, withoutFeatures, withoutLabel, nothingLeft);
    }

    /// <summary>The schema after this trainer: the input's columns plus the task's output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // SchemaShape.Column cannot be constructed outside ML.NET, so the output columns are borrowed from public
        // estimators applied to the label: each gives a column of exactly the kind the fitted model produces.
        var label = _options.LabelColumnName;
        if (inputSchema.Where(c => c.Name == label).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } column)
            throw SchemaErrors.NotFound("label", label, inputSchema.Select(c => c.Name));
        if (inputSchema.Where(c => c.Name == _options.FeatureColumnName).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } features)
            throw SchemaErrors.NotFound("feature", _options.FeatureColumnName, inputSchema.Select(c => c.Name));
        if (features.Kind == SchemaShape.Column.VectorKind.Scalar || !(features.IsKey || features.ItemType == NumberDataViewType.Single))
            throw SchemaErrors.Mismatch("feature", features.Name, SequenceColumns.ExpectedFeatures, SchemaErrors.Describe(features));
        IEstimator<ITransformer> shape;
        switch (Task)
        {
            case RecurrentTask.MulticlassClassification:
                if (!column.IsKey)
                    throw SchemaErrors.Mismatch("label", label, SequenceColumns.ExpectedMulticlassLabel, SchemaErrors.Describe(column));
                shape = _ml.Transforms.Conversion.MapKeyToVector("Score", label)
                    .Append(_ml.Transforms.CopyColumns("PredictedLabel", label));
                break;
            case RecurrentTask.BinaryClassification:
                if (column.ItemType is not BooleanDataViewType || column.Kind != SchemaShape.Column.VectorKind.Scalar)
                    throw SchemaErrors.Mismatch("label", label, SequenceColumns.ExpectedBinaryLabel, SchemaErrors.Describe(column));
                shape = _ml.Transforms.Conversion.ConvertType("Score", label, DataKind.Single)
                    .Append(_ml.Transforms.Conversion.ConvertType("Probability", label, DataKind.Single))
                    .Append(_ml.Transforms.CopyColumns("PredictedLabel", label));
                break;
            default:
                if (column.ItemType != NumberDataViewType.Single || column.Kind != SchemaShape.Column.VectorKind.Scalar)
                    throw SchemaErrors.Mismatch("label", label, SequenceColumns.ExpectedRegressionLabel, SchemaErrors.Describe(column));
                shape = _ml.Transforms.CopyColumns("Score", label);
                break;
        }
        return shape.GetOutputSchema(inputSchema);
    }
}
