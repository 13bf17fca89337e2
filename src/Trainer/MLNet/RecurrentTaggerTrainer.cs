using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Microsoft.ML;

/// <summary>
/// The ML.NET estimator of a recurrent tagger (many-to-many, one tag per token): <see cref="Fit"/> reads a vector of
/// token keys and a vector of tag keys of the same length, trains a per-step softmax head with the engine
/// (<see cref="SequenceModelTrainer"/>; <c>Bidirectional = true</c> lets a tag see the words
/// after it), and returns a model made only of ML.NET's own transformers with <c>PredictedLabel</c> (a vector of the
/// tags' key type) and <c>Score</c> (every step's class probabilities, step after step). Created by
/// <c>mlContext.MulticlassClassification.Trainers.RecurrentTagger(...)</c>; evaluated by
/// <c>mlContext.MulticlassClassification.EvaluateTagger(...)</c>.
/// </summary>
public sealed class RecurrentTaggerTrainer : IEstimator<ITransformer>
{
    private const string Name = "RecurrentTagger";

    private readonly MLContext _ml;
    private readonly IHost _host;
    private readonly RecurrentTrainerOptions _options;

    internal RecurrentTaggerTrainer(IHostEnvironment environment, RecurrentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateAll();
        _ml = new MLContext();
        _host = environment.Register(Name);
        _options = (RecurrentTrainerOptions)options.Clone();
    }

    /// <summary>The trained engine model of the last <see cref="Fit"/> (its weights, vocabulary and tags).</summary>
    public SequenceModel? LastModel { get; private set; }

    /// <summary>
    /// Trains on <paramref name="input"/> and returns the fitted ML.NET model. Rows with no token, or whose tags are
    /// all missing (key 0), are skipped and counted in a warning on the MLContext's log; a missing tag leaves its step
    /// out of the loss.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or is not a vector of keys.</exception>
    /// <exception cref="ArgumentException">A row's tag count differs from its token count (the message names the row), or no row is left.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var columns = TaggerColumns.Describe(input.Schema, _options);
        var (all, skipped) = DataViewTags.Read(input, columns);
        var skippedRows = new SkippedRows(Name, skipped,
            $"with no token in column '{columns.Features.Name}'",
            $"whose tags in column '{columns.Label.Name}' are all missing",
            $"No row of the training data has a token and a tag ({skipped.MissingFeatures} without tokens, {skipped.MissingLabel} without tags); there is nothing to train on.");
        using (var run = FitRun.Start(_host, _options, skippedRows, all.Count))
        {
            var (train, validation) = run.HoldOut(all);
            LastModel = new SequenceModelTrainer(run.EngineOptions(train.Count, validation?.Count, "sequences"))
                .Fit(train, validation, run.Observer, _options.CancellationToken);
        }
        return TaggerModelBuilder.Build(_ml, LastModel, _options.FeatureColumnName, input);
    }

    /// <summary>The schema after this trainer: the input's columns plus <c>Score</c> and <c>PredictedLabel</c>.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = _options.LabelColumnName;
        if (inputSchema.Where(c => c.Name == label).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } tags)
            throw SchemaErrors.NotFound("label", label, inputSchema.Select(c => c.Name));
        if (inputSchema.Where(c => c.Name == _options.FeatureColumnName).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } tokens)
            throw SchemaErrors.NotFound("feature", _options.FeatureColumnName, inputSchema.Select(c => c.Name));
        if (!tokens.IsKey || tokens.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw SchemaErrors.Mismatch("feature", tokens.Name, TaggerColumns.ExpectedTokens, SchemaErrors.Describe(tokens));
        if (!tags.IsKey || tags.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw SchemaErrors.Mismatch("label", label, TaggerColumns.ExpectedTags, SchemaErrors.Describe(tags));
        // SchemaShape.Column cannot be constructed outside ML.NET: PredictedLabel is shaped like the tag column (a
        // vector of its key type) and Score like a variable vector of Single, borrowed from public estimators.
        return _ml.Transforms.CopyColumns("PredictedLabel", label)
            .Append(_ml.Transforms.Conversion.ConvertType("Score", label, DataKind.Single))
            .GetOutputSchema(inputSchema);
    }
}
