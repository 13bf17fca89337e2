using Recurrent.Diagnostics;

namespace Recurrent.Trainer.Training;

/// <summary>Receives progress from <see cref="SequenceModelTrainer.Fit"/> on the training thread.</summary>
public interface ITrainingObserver
{
    /// <summary>
    /// After every optimizer step (attempted: a non-finite step is reported too). The report and its snapshot are
    /// reused for the next step; copy what you keep.
    /// </summary>
    void OnStep(StepReport step);

    /// <summary>After every epoch, with validation results when there is validation data.</summary>
    void OnEpoch(EpochReport epoch);
}

/// <summary>One optimizer step.</summary>
public sealed class StepReport
{
    /// <summary>The gradient snapshot taken after backward, before the update.</summary>
    public GradientSnapshot Snapshot { get; } = new();

    /// <summary>Step number from 1 over the run.</summary>
    public long Step => Snapshot.Step;

    /// <summary>Epoch number from 1.</summary>
    public int Epoch => Snapshot.Epoch;

    /// <summary>Mean loss of the batch.</summary>
    public double Loss => Snapshot.Loss;

    /// <summary>Sequences in the batch.</summary>
    public int Sequences { get; internal set; }

    /// <summary>Batches in this epoch, and this step's position among them (from 1).</summary>
    public int BatchesPerEpoch { get; internal set; }

    /// <summary>This step's batch number within its epoch, from 1.</summary>
    public int BatchInEpoch { get; internal set; }

    /// <summary>Learning rate used for the update.</summary>
    public float LearningRate { get; internal set; }

    /// <summary>Wall time of forward, BPTT, clipping and update.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>Correct predictions in the batch (classification), measured before the update.</summary>
    public int Correct { get; internal set; }
}

/// <summary>One finished epoch.</summary>
public sealed record EpochReport(
    int Epoch,
    long Steps,
    double TrainLoss,
    double? TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    float LearningRate,
    long ClippedSteps,
    long NonFiniteSteps,
    TimeSpan Duration,
    double SequencesPerSecond);
