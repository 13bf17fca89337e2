using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Trainer.Training;

/// <summary>
/// The one observer that turns the trainer's snapshots into records and metrics, for every surface: the service's
/// live runs, the command line (its progress line and <c>--metrics-port</c>) and the ML.NET trainer (its epoch
/// lines and <see cref="Microsoft.ML.RecurrentTrainerOptions.Metrics"/>). Each step it analyses the snapshot, makes
/// the step's one <see cref="GradientRecord"/>, records it on the metrics under the run's id, and keeps what its
/// callers show: the last record, the last defined vanishing ratio and the epoch's tally.
/// </summary>
internal sealed class GradientMonitor : ITrainingObserver
{
    private readonly GradientAnalysis _analysis = new();
    private readonly TrainingMetrics? _metrics;

    /// <param name="metrics">Where every step and epoch is recorded, or null.</param>
    /// <param name="runId">The run's label on <paramref name="metrics"/>.</param>
    public GradientMonitor(TrainingMetrics? metrics, string runId)
    {
        _metrics = metrics;
        RunId = runId;
    }

    public string RunId { get; }

    /// <summary>The last step's record; null before the first step.</summary>
    public GradientRecord? Last { get; private set; }

    /// <summary>The last vanishing ratio that was defined (a step without one keeps it).</summary>
    public double? LastLog10VanishingRatio { get; private set; }

    /// <summary>The current epoch's steps so far; after its last step, the whole epoch.</summary>
    public EpochTally Epoch { get; private set; } = EpochTally.Empty;

    public void OnStep(StepReport step) => Observe(step);

    /// <summary>Makes the step's record, records it on the metrics, and returns it.</summary>
    /// <param name="step">The trainer's report, read during the call only.</param>
    /// <param name="analyze">False to skip the analysis of a step whose ratios nobody shows (the record then has
    /// none); ignored when metrics are recorded, which are live and take every step's.</param>
    public GradientRecord Observe(StepReport step, bool analyze = true)
    {
        ArgumentNullException.ThrowIfNull(step);
        var snapshot = step.Snapshot;
        var analysis = analyze || _metrics is not null ? _analysis.Analyze(snapshot) : null;
        // Between two measurements of the detail the last record's detail figures are this step's too: shared, not copied.
        var record = GradientRecord.Of(snapshot, analysis, step.Duration.TotalSeconds, Last);
        _metrics?.RecordStep(RunId, record);
        if (step.BatchInEpoch == 1)
            Epoch = EpochTally.Empty;
        Epoch = Epoch.Add(record);
        if (record.Log10VanishingRatio is double ratio)
            LastLog10VanishingRatio = ratio;
        Last = record;
        return record;
    }

    public void OnEpoch(EpochReport epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        _metrics?.RecordEpoch(RunId, epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy ?? double.NaN,
            epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate);
    }
}

/// <summary>An epoch's steps so far.</summary>
/// <param name="Steps">Optimizer steps attempted.</param>
/// <param name="ClippedSteps">Of them, steps clipping changed.</param>
/// <param name="NonFiniteSteps">Of them, steps skipped for a NaN or infinite loss or gradient.</param>
/// <param name="PreClipNormSum">The sum of their finite pre-clip gradient norms.</param>
internal sealed record EpochTally(long Steps, long ClippedSteps, long NonFiniteSteps, double PreClipNormSum)
{
    public static EpochTally Empty { get; } = new(0, 0, 0, 0);

    /// <summary>Clipped steps over steps (0 before the first step).</summary>
    public double ClipRate => Steps > 0 ? (double)ClippedSteps / Steps : 0;

    /// <summary>The finite pre-clip norms' sum over every step (a non-finite step counts as 0).</summary>
    public double MeanPreClipNorm => PreClipNormSum / Math.Max(Steps, 1);

    public EpochTally Add(GradientRecord step) => new(Steps + 1, ClippedSteps + (step.Clipped ? 1 : 0),
        NonFiniteSteps + (step.NonFinite ? 1 : 0), PreClipNormSum + (double.IsFinite(step.GradNorm) ? step.GradNorm : 0));
}
