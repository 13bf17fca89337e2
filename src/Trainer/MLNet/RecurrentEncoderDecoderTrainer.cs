using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Microsoft.ML;

/// <summary>
/// The ML.NET estimator of a recurrent encoder–decoder (many-to-many, unequal lengths, as in translation): <see cref="Fit"/>
/// reads a source vector of keys and a target vector of keys, each row's two lengths free, trains the encoder–decoder
/// (an encoder RNN whose final state starts a decoder RNN, teacher forcing, exact BPTT through the bridge), and
/// returns a model made only of ML.NET's own transformers whose <c>PredictedLabel</c> is the greedy decoding of each
/// row's source: a vector of the target column's key type, as long as the decoder wrote. Created by
/// <c>mlContext.MulticlassClassification.Trainers.RecurrentEncoderDecoder(...)</c>; evaluated by
/// <c>mlContext.MulticlassClassification.EvaluateEncoderDecoder(...)</c>.
/// </summary>
public sealed class RecurrentEncoderDecoderTrainer : IEstimator<ITransformer>
{
    /// <summary>The column the fitted model writes the decoded target symbols to.</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    private const string Name = "RecurrentEncoderDecoder";

    private readonly MLContext _ml;
    private readonly IHost _host;
    private readonly RecurrentTrainerOptions _options;

    internal RecurrentEncoderDecoderTrainer(IHostEnvironment environment, RecurrentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateAll();
        if (EncoderDecoderTrainer.Refused(options) is { } refused)
            throw new ArgumentException($"RecurrentTrainerOptions.{refused} does not apply to an encoder–decoder.", refused);
        _ml = new MLContext();
        _host = environment.Register(Name);
        _options = (RecurrentTrainerOptions)options.Clone();
    }

    /// <summary>
    /// The trained engine model of the last <see cref="Fit"/>: its options and seed, symbols, training summary, greedy
    /// decoding, and its model file for <c>recurrent predict</c>, <c>evaluate</c> and <c>export --mlnet</c>.
    /// </summary>
    public RecurrentEncoderDecoderModel? LastModel { get; private set; }

    /// <summary>
    /// Trains on <paramref name="input"/> and returns the fitted ML.NET model. Rows with an empty source or target, or
    /// a missing key (0) in either, are skipped and counted in a warning on the MLContext's log.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or is not a vector of keys.</exception>
    /// <exception cref="ArgumentException">No row is left, or a row is longer than the engine takes (the message names the row).</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var columns = EncoderDecoderColumns.Describe(input.Schema, _options);
        var (all, skipped) = DataViewPairs.Read(input, columns);
        var skippedRows = new SkippedRows(Name, skipped,
            $"with no source symbol or a missing one (key 0) in column '{columns.Source.Name}'",
            $"with no target symbol or a missing one (key 0) in column '{columns.Target.Name}'",
            $"No row of the training data has a whole source and target ({skipped.MissingFeatures} without a source, {skipped.MissingLabel} without a target); there is nothing to train on.");
        using (var run = FitRun.Start(_host, _options, skippedRows, all.Count))
        {
            var (train, validation) = run.HoldOut(all);
            var clock = Stopwatch.StartNew();
            var engine = new EncoderDecoderTrainer(run.EngineOptions(train.Count, validation?.Count, "pairs"))
                .Fit(train, validation, cancellation: _options.CancellationToken, observer: run.Observer);
            LastModel = new RecurrentEncoderDecoderModel(engine, run.Observer.Summary(clock.Elapsed));
        }
        return EncoderDecoderModelBuilder.Build(_ml, LastModel.Engine, _options.FeatureColumnName, PredictedLabelColumnName, input);
    }

    /// <summary>The schema after this trainer: the input's columns plus <c>PredictedLabel</c>, shaped like the target column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // The target, then the source: in the order Fit checks them (EncoderDecoderColumns.Describe).
        SchemaErrors.RequireKeyVector(inputSchema, "label", _options.LabelColumnName, EncoderDecoderColumns.ExpectedTarget);
        SchemaErrors.RequireKeyVector(inputSchema, "feature", _options.FeatureColumnName, EncoderDecoderColumns.ExpectedSource);
        // SchemaShape.Column cannot be constructed outside ML.NET: PredictedLabel is shaped like the target column (a
        // vector of its key type), borrowed from a public estimator.
        return _ml.Transforms.CopyColumns(PredictedLabelColumnName, _options.LabelColumnName).GetOutputSchema(inputSchema);
    }
}
