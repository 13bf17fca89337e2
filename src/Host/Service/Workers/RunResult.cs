using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// What a finished run reports: its evaluations and the training totals. An encoder–decoder's accuracies are greedy
/// decoding's token accuracy, with its sequence accuracy and the baseline of copying the input beside them (null for
/// other runs).
/// </summary>
internal sealed record RunResult(
    double? TrainLoss,
    double? TrainAccuracy,
    double? ValidLoss,
    double? ValidAccuracy,
    double? TestLoss,
    double? TestAccuracy,
    long Steps,
    int Epochs,
    long ClippedSteps,
    long NonFiniteSteps,
    bool StoppedEarly,
    double Seconds,
    double? ValidSequenceAccuracy = null,
    double? TestSequenceAccuracy = null,
    double? BaselineTokenAccuracy = null,
    double? BaselineSequenceAccuracy = null)
{
    public static RunResult Describe(SequenceModel model, DatasetSplits splits, TrainingSummary? summary, TimeSpan elapsed)
    {
        var train = model.Evaluate(splits.Train);
        var valid = splits.Validation is { } v ? model.Evaluate(v) : null;
        var test = splits.Test is { } t ? model.Evaluate(t) : null;
        return new RunResult(Finite(train.Loss), train.Accuracy, Finite(valid?.Loss), valid?.Accuracy, Finite(test?.Loss),
            test?.Accuracy, summary?.Steps ?? 0, summary?.Epochs ?? 0, summary?.ClippedSteps ?? 0,
            summary?.NonFiniteSteps ?? 0, summary?.StoppedEarly ?? false, elapsed.TotalSeconds);
    }

    private static double? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
