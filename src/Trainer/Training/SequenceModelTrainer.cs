using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Training;

/// <summary>Trains a <see cref="SequenceModel"/> by backpropagation through time.</summary>
public sealed class SequenceModelTrainer
{
    private readonly SequenceModelOptions _options;

    /// <summary>A trainer with a private copy of the options, checked at once.</summary>
    public SequenceModelTrainer(SequenceModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    /// <summary>The last run's summary.</summary>
    public TrainingSummary? LastSummary { get; private set; }

    /// <summary>A model with freshly initialised weights for this data, not trained.</summary>
    public SequenceModel Initialize(SequenceDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var network = new SequenceNetwork(NetworkShape.For(_options, train));
        Initializer.Initialize(network, _options, new DeterministicRandom((ulong)_options.Seed));
        return new SequenceModel(network, _options.Clone(), train.Vocabulary, train.Labels);
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/> after every epoch, and
    /// returns the model. Throws <see cref="OperationCanceledException"/> when cancelled and
    /// <see cref="NonFiniteGradientException"/> under <see cref="RecurrentNonFinitePolicy.Stop"/>. With
    /// <paramref name="checkpoints"/> it hands out checkpoints and can resume from one.
    /// </summary>
    public SequenceModel Fit(SequenceDataset train, SequenceDataset? validation = null,
        ITrainingObserver? observer = null, CancellationToken cancellationToken = default,
        CheckpointOptions? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
            throw new ArgumentException($"The training data '{train.Name}' has no sequences.", nameof(train));
        if (validation is not null)
            CheckCompatible(train, validation);
        var model = checkpoints?.ResumeFrom?.Model.Copy() ?? Initialize(train);
        if (checkpoints?.ResumeFrom is not null)
            CheckCompatible(DescribeModel(model), train);
        var loop = new TrainingLoop(model, _options, train, validation, observer, checkpoints);
        LastSummary = loop.Run(cancellationToken);
        model.TrainingSummary = LastSummary;
        return model;
    }

    private static SequenceDataset DescribeModel(SequenceModel model) =>
        new("checkpoint", model.InputKind, model.FeatureCount, model.Vocabulary, model.Labels, []);

    internal static void CheckCompatible(SequenceDataset train, SequenceDataset other)
    {
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
