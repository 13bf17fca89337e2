using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

using Recurrent.Trainer;
using Recurrent.Trainer.MLNet;

namespace Microsoft.ML;

/// <summary>
/// The ML.NET estimator of a recurrent sequence model: <see cref="Fit"/> reads the label and sequence columns,
/// trains with the engine (<see cref="SequenceModelTrainer"/>, full diagnostics), and returns a model made
/// only of ML.NET's own transformers (<see cref="MLNetModelBuilder"/>). Created by
/// <c>mlContext.{MulticlassClassification|BinaryClassification|Regression}.Trainers.Recurrent(...)</c>.
/// </summary>
public sealed class RecurrentTrainer : IEstimator<ITransformer>
{
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
        _host = environment.Register("Recurrent");
        Task = task;
        _options = (RecurrentTrainerOptions)options.Clone();
    }

    /// <summary>The task, which decides the label type and the output columns.</summary>
    public RecurrentTask Task { get; }

    /// <summary>The trained engine model of the last <see cref="Fit"/> (its weights, vocabulary and classes).</summary>
    public SequenceModel? LastModel { get; private set; }

    /// <summary>Trains on <paramref name="input"/> and returns the fitted ML.NET model.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">A row has an empty sequence or a missing label.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var columns = SequenceColumns.Describe(input.Schema, Task, _options);
        var all = DataViewSequences.Read(input, columns);
        if (all.Count == 0)
            throw new ArgumentException("The training data has no rows.", nameof(input));
        var (train, validation) = _options.ValidationFraction > 0
            ? ValidationHoldOut.Split(all, _options.ValidationFraction, _options.Seed)
            : (all, (SequenceDataset?)null);
        using (var channel = _host.Start("Training"))
        {
            channel.Info(MessageSensitivity.None, $"Recurrent: {_options.Cell} with {_options.HiddenSize} hidden units, {train.Count} training sequences"
                + (validation is null ? "" : $", {validation.Count} held out") + $", {_options.Epochs} epochs.");
            var trainer = new SequenceModelTrainer(_options.ToEngineOptions());
            LastModel = trainer.Fit(train, validation, new EpochLogObserver(channel, _options), _options.CancellationToken);
        }
        return MLNetModelBuilder.Build(_ml, LastModel, _options.FeatureColumnName, input, Task);
    }

    /// <summary>The schema after this trainer: the input's columns plus the task's output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // SchemaShape.Column cannot be constructed outside ML.NET, so the output columns are borrowed from public
        // estimators applied to the label: each gives a column of exactly the kind the fitted model produces.
        var label = _options.LabelColumnName;
        if (inputSchema.Where(c => c.Name == label).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } column)
            throw new ArgumentOutOfRangeException(label, $"The label column '{label}' is not in the data.");
        if (!inputSchema.Any(c => c.Name == _options.FeatureColumnName))
            throw new ArgumentOutOfRangeException(_options.FeatureColumnName, $"The feature column '{_options.FeatureColumnName}' is not in the data.");
        IEstimator<ITransformer> shape;
        switch (Task)
        {
            case RecurrentTask.MulticlassClassification:
                if (!column.IsKey)
                    throw new ArgumentOutOfRangeException(label, $"Column '{label}' has type {column.ItemType}; the Recurrent trainer expects a key (multi-class classification: MapValueToKey the label).");
                shape = _ml.Transforms.Conversion.MapKeyToVector("Score", label)
                    .Append(_ml.Transforms.CopyColumns("PredictedLabel", label));
                break;
            case RecurrentTask.BinaryClassification:
                if (column.ItemType is not BooleanDataViewType || column.Kind != SchemaShape.Column.VectorKind.Scalar)
                    throw new ArgumentOutOfRangeException(label, $"Column '{label}' has type {column.ItemType}; the Recurrent trainer expects Boolean (binary classification).");
                shape = _ml.Transforms.Conversion.ConvertType("Score", label, DataKind.Single)
                    .Append(_ml.Transforms.Conversion.ConvertType("Probability", label, DataKind.Single))
                    .Append(_ml.Transforms.CopyColumns("PredictedLabel", label));
                break;
            default:
                if (column.ItemType != NumberDataViewType.Single || column.Kind != SchemaShape.Column.VectorKind.Scalar)
                    throw new ArgumentOutOfRangeException(label, $"Column '{label}' has type {column.ItemType}; the Recurrent trainer expects Single (regression).");
                shape = _ml.Transforms.CopyColumns("Score", label);
                break;
        }
        return shape.GetOutputSchema(inputSchema);
    }
}
