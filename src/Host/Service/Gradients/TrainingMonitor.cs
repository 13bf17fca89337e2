using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Gradients;

/// <summary>
/// Connects one training run to the metrics: analyses every step's gradient snapshot, makes the step's one
/// <see cref="GradientRecord"/> from the two and records it, with the epoch results, under the run's id. Whoever
/// shows the step (the service's live run) takes that same record from <see cref="Observe"/>.
/// </summary>
internal sealed class TrainingMonitor(TrainingMetrics metrics, string runId) : ITrainingObserver
{
    private readonly GradientAnalysis _analysis = new();

    public string RunId { get; } = runId;

    public void OnStep(StepReport step) => Observe(step);

    /// <summary>Makes the step's record, records it on the metrics and returns it.</summary>
    public GradientRecord Observe(StepReport step)
    {
        var record = GradientRecord.Of(step.Snapshot, _analysis.Analyze(step.Snapshot), step.Duration.TotalSeconds);
        metrics.RecordStep(RunId, record);
        return record;
    }

    public void OnEpoch(EpochReport epoch) =>
        metrics.RecordEpoch(RunId, epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy ?? double.NaN,
            epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate);
}
