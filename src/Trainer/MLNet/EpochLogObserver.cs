using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Watches an ML.NET fit: analyses each step's gradient (recording it on the user's <see cref="Diagnostics.Metrics.TrainingMetrics"/>
/// when given), writes one line per epoch to the MLContext's log through <see cref="IChannel"/> (loss, accuracy,
/// mean pre-clip |g|, clip rate, last vanishing ratio) and passes everything on to the user's observer.
/// </summary>
internal sealed class EpochLogObserver(IChannel channel, RecurrentTrainerOptions options) : ITrainingObserver
{
    private const int AnalysisStride = 16;

    private readonly GradientAnalysis _analysis = new();
    private double _normSum;
    private long _steps, _clipped;
    private double? _vanishingLog10;

    public void OnStep(StepReport step)
    {
        var snapshot = step.Snapshot;
        _steps++;
        if (snapshot.Clipped)
            _clipped++;
        if (double.IsFinite(snapshot.PreClipNorm))
            _normSum += snapshot.PreClipNorm;
        // With metrics attached every step is analysed (they are live); for the epoch line alone every
        // AnalysisStride-th step is enough, and keeps the diagnostics' cost out of Fit.
        if (options.Metrics is { } metrics)
        {
            var analysis = Analyze(snapshot);
            metrics.RecordStep(options.RunId, snapshot, analysis, step.Duration.TotalSeconds);
        }
        else if (_steps % AnalysisStride == 1 || step.BatchInEpoch == step.BatchesPerEpoch)
        {
            Analyze(snapshot);
        }
        options.Observer?.OnStep(step);
    }

    private GradientAnalysisResult Analyze(GradientSnapshot snapshot)
    {
        var analysis = _analysis.Analyze(snapshot);
        if (analysis.HasRatios)
            _vanishingLog10 = analysis.MedianLog10VanishingRatio;
        return analysis;
    }

    public void OnEpoch(EpochReport epoch)
    {
        options.Metrics?.RecordEpoch(options.RunId, epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy ?? double.NaN,
            epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Recurrent epoch {epoch.Epoch}/{options.Epochs}: loss {epoch.TrainLoss:G5}");
        if (epoch.TrainAccuracy is double accuracy)
            line += string.Create(CultureInfo.InvariantCulture, $", accuracy {accuracy * 100:F1}%");
        if (epoch.ValidationLoss is double validationLoss)
            line += string.Create(CultureInfo.InvariantCulture, $", validation loss {validationLoss:G5}");
        if (epoch.ValidationAccuracy is double validationAccuracy)
            line += string.Create(CultureInfo.InvariantCulture, $", validation accuracy {validationAccuracy * 100:F1}%");
        var steps = Math.Max(_steps, 1);
        line += string.Create(CultureInfo.InvariantCulture,
            $", |g| {_normSum / steps:G4}, clip rate {100.0 * _clipped / steps:F1}%, vanishing log10 g1/gT {(_vanishingLog10 is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a")}, {epoch.SequencesPerSecond:F0} sequences/s");
        channel.Info(MessageSensitivity.None, line);
        _normSum = 0;
        _steps = _clipped = 0;
        options.Observer?.OnEpoch(epoch);
    }
}
