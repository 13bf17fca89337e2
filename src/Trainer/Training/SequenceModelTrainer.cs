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
        _options.Seed = _options.SeedOrDefault; // the model records the seed it was trained with
    }

    /// <summary>The last run's summary.</summary>
    public TrainingSummary? LastSummary { get; private set; }

    /// <summary>A model with freshly initialised weights for this data, not trained.</summary>
    public SequenceModel Initialize(SequenceDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckTruncation(train);
        var network = new SequenceNetwork(NetworkShape.For(_options, train));
        Initializer.Initialize(network, _options, new DeterministicRandom((ulong)_options.SeedOrDefault));
        return new SequenceModel(network, _options.Clone(), train.Vocabulary, train.Labels) { TokenUnit = train.TokenUnit };
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/> after every epoch, and
    /// returns the model. Throws <see cref="OperationCanceledException"/> when cancelled and
    /// <see cref="NonFiniteGradientException"/> under <see cref="RecurrentNonFinitePolicy.Stop"/>. With
    /// <paramref name="checkpoints"/> it hands out checkpoints and can resume from one, taken with options that train
    /// the same way (<see cref="TrainingCheckpoint.FindMismatch"/>; otherwise <see cref="ArgumentException"/> names the option).
    /// </summary>
    public SequenceModel Fit(SequenceDataset train, SequenceDataset? validation = null,
        ITrainingObserver? observer = null, CancellationToken cancellationToken = default,
        CheckpointOptions? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
            throw new ArgumentException($"The training data '{train.Name}' has no sequences.", nameof(train));
        if (validation is not null)
            DatasetCompatibility.Check(train, validation);
        if (checkpoints?.ResumeFrom?.FindMismatch(_options) is { } mismatch)
            throw new ArgumentException($"The checkpoint cannot continue this training: {mismatch}.", nameof(checkpoints));
        var model = checkpoints?.ResumeFrom?.Model.Copy() ?? Initialize(train);
        if (checkpoints?.ResumeFrom is not null)
            DatasetCompatibility.Check(DescribeModel(model), train);
        var loop = new TrainingLoop(model, _options, train, validation, observer, checkpoints);
        LastSummary = loop.Run(cancellationToken);
        model.TrainingSummary = LastSummary;
        return model;
    }

    private static SequenceDataset DescribeModel(SequenceModel model) => model.DescribeData("checkpoint");

    // Per-step losses are truncated in segments of k2 steps (BPTT within each): k1 = k2 is the only stride that
    // gives every loss one window.
    private void CheckTruncation(SequenceDataset train)
    {
        if (train.PerStep && _options.TruncationStride is int k1 && k1 != (_options.TruncationSteps ?? k1))
            throw new ArgumentException(
                $"SequenceModelOptions.TruncationStride {k1} differs from TruncationSteps {_options.TruncationSteps}: a per-step " +
                "head truncates BPTT in segments of TruncationSteps steps, so the stride must be left out or equal it.",
                nameof(SequenceModelOptions.TruncationStride));
    }
}
