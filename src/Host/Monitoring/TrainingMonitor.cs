using System.Globalization;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Monitoring;

/// <summary>
/// Connects one training run to the metrics: analyses every step's gradient snapshot and records it, with the
/// epoch results, under the run's id. Keeps the latest analysis for the progress line and the API.
/// </summary>
internal sealed class TrainingMonitor(TrainingMetrics metrics, string runId) : ITrainingObserver
{
    private readonly GradientAnalysis _analysis = new();
    private long _steps, _clipped, _nonFinite;

    public string RunId { get; } = runId;

    /// <summary>The last step's analysis (reused by the next step).</summary>
    public GradientAnalysisResult? LastAnalysis { get; private set; }

    public double ClipRate => _steps > 0 ? (double)_clipped / _steps : 0;

    public long NonFiniteSteps => _nonFinite;

    public void OnStep(StepReport step)
    {
        _steps++;
        if (step.Snapshot.Clipped)
            _clipped++;
        if (step.Snapshot.NonFinite)
            _nonFinite++;
        LastAnalysis = _analysis.Analyze(step.Snapshot);
        metrics.RecordStep(RunId, step.Snapshot, LastAnalysis, step.Duration.TotalSeconds);
    }

    public void OnEpoch(EpochReport epoch) =>
        metrics.RecordEpoch(RunId, epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy ?? double.NaN,
            epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate);

    /// <summary>"V 10^-3.2 H 14": the vanishing ratio and memory horizon of the last step, for the progress line.</summary>
    public string Summary()
    {
        var a = LastAnalysis;
        if (a is null || !a.HasRatios)
            return "";
        return string.Create(CultureInfo.InvariantCulture,
            $"V 10^{a.MedianLog10VanishingRatio:F1} horizon {a.MemoryHorizonSteps}");
    }
}
