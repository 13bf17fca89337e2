using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Watches an ML.NET fit: the one <see cref="GradientMonitor"/> analyses the steps and records them on the user's
/// <see cref="Diagnostics.Metrics.TrainingMetrics"/> when given; this writes one line per epoch from its figures to
/// the MLContext's log through <see cref="IChannel"/> (loss, accuracy, mean pre-clip |g|, clip rate, last vanishing
/// ratio, and the epoch's last step's detail: <see cref="GradientDetailSummary"/>) and passes everything on to the
/// user's observer.
/// </summary>
internal sealed class EpochLogObserver(IChannel channel, RecurrentTrainerOptions options) : ITrainingObserver
{
    // Without metrics (which are live, so every step is analysed), every AnalysisStride-th step of an epoch and its
    // last are enough for the epoch line, and keep the diagnostics' cost out of Fit.
    private const int AnalysisStride = 16;

    /// <summary>The fit's monitor, which records on the user's metrics.</summary>
    internal GradientMonitor Monitor { get; } = new(options.Metrics, options.RunId);

    public void OnStep(StepReport step)
    {
        Monitor.Observe(step, analyze: step.BatchInEpoch % AnalysisStride == 1 || step.BatchInEpoch == step.BatchesPerEpoch);
        options.Observer?.OnStep(step);
    }

    private EpochReport? _lastEpoch;
    private double? _bestValidationLoss;
    private double _sequences;

    /// <summary>
    /// What the epochs did, for a trainer whose engine gives no summary of its own (the encoder–decoder's): the last
    /// epoch's counts (which run over the whole fit) and train loss, the best validation loss, the rate over
    /// <paramref name="duration"/>. No early stopping.
    /// </summary>
    public TrainingSummary Summary(TimeSpan duration) => new(
        _lastEpoch?.Epoch ?? 0, _lastEpoch?.Steps ?? 0, _lastEpoch?.ClippedSteps ?? 0, _lastEpoch?.NonFiniteSteps ?? 0,
        _lastEpoch?.TrainLoss ?? double.NaN, _bestValidationLoss, StoppedEarly: false, duration,
        duration.TotalSeconds > 0 ? Math.Round(_sequences) / duration.TotalSeconds : 0);

    public void OnEpoch(EpochReport epoch)
    {
        _lastEpoch = epoch;
        if (epoch.ValidationLoss is double loss)
            _bestValidationLoss = Math.Min(loss, _bestValidationLoss ?? double.PositiveInfinity);
        _sequences += epoch.SequencesPerSecond * epoch.Duration.TotalSeconds;
        Monitor.OnEpoch(epoch);
        var tally = Monitor.Epoch;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Recurrent epoch {epoch.Epoch}/{options.Epochs}: loss {epoch.TrainLoss:G5}");
        if (epoch.TrainAccuracy is double accuracy)
            line += string.Create(CultureInfo.InvariantCulture, $", accuracy {accuracy * 100:F1}%");
        if (epoch.ValidationLoss is double validationLoss)
            line += string.Create(CultureInfo.InvariantCulture, $", validation loss {validationLoss:G5}");
        if (epoch.ValidationAccuracy is double validationAccuracy)
            line += string.Create(CultureInfo.InvariantCulture, $", validation accuracy {validationAccuracy * 100:F1}%");
        var vanishing = Monitor.LastLog10VanishingRatio is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        line += string.Create(CultureInfo.InvariantCulture,
            $", |g| {tally.MeanPreClipNorm:G4}, clip rate {100 * tally.ClipRate:F1}%, vanishing log10 g1/gT {vanishing}, {epoch.SequencesPerSecond:F0} sequences/s");
        if (Monitor.Last is { } last && GradientDetailSummary.Describe(last) is { Length: > 0 } detail)
            line += ", " + detail;
        channel.Info(MessageSensitivity.None, line);
        options.Observer?.OnEpoch(epoch);
    }
}
