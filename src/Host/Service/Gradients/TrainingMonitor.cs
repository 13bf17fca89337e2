using Recurrent.Diagnostics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Gradients;

/// <summary>
/// Connects one training run to the metrics: analyses every step's gradient snapshot and records it, with the
/// epoch results, under the run's id. Keeps the latest analysis and the clip rate for the service's run view.
/// </summary>
internal sealed class TrainingMonitor(TrainingMetrics metrics, string runId) : ITrainingObserver
{
    private readonly GradientAnalysis _analysis = new();
    private long _steps, _clipped;

    public string RunId { get; } = runId;

    /// <summary>The last step's analysis (reused by the next step).</summary>
    public GradientAnalysisResult? LastAnalysis { get; private set; }

    /// <summary>Clipped steps over all steps so far.</summary>
    public double ClipRate => _steps > 0 ? (double)_clipped / _steps : 0;

    public void OnStep(StepReport step)
    {
        _steps++;
        if (step.Snapshot.Clipped)
            _clipped++;
        LastAnalysis = _analysis.Analyze(step.Snapshot);
        metrics.RecordStep(RunId, step.Snapshot, LastAnalysis, step.Duration.TotalSeconds);
    }

    public void OnEpoch(EpochReport epoch) =>
        metrics.RecordEpoch(RunId, epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy ?? double.NaN,
            epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate);
}
