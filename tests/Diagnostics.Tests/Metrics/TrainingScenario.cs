using Recurrent.Diagnostics.Tests.Analysis;

namespace Recurrent.Diagnostics.Tests.Metrics;

/// <summary>Feeds <see cref="TrainingMetrics"/> the way a trainer observer would.</summary>
internal static class TrainingScenario
{
    public static GradientSnapshot Snapshot(double preClipNorm, bool clipped = false, bool nonFinite = false)
    {
        var snapshot = Snapshots.WithRows(Snapshots.Geometric(20, 0.5), Snapshots.Geometric(12, 0.7));
        snapshot.PreClipNorm = preClipNorm;
        snapshot.ClipMode = ClipMode.GlobalNorm;
        snapshot.ClipThreshold = 1.0;
        snapshot.Clipped = clipped;
        snapshot.NonFinite = nonFinite;
        snapshot.GroupNames = ["W_xh", "W_hh", "b", "head"];
        snapshot.GroupNorms = [0.1, 0.7, 0.01, 0.3];
        snapshot.RecurrentWeights = [new RecurrentWeights("0", [0.5f, 0f, 0f, 0.25f], 2, 2, 1.0)];
        return snapshot;
    }

    /// <summary>Records <paramref name="steps"/> steps with norms 0.5, 1, 1.5, ... and one epoch.</summary>
    public static void Train(TrainingMetrics metrics, string runId, int steps = 4)
    {
        var analysis = new GradientAnalysis();
        for (int i = 1; i <= steps; i++)
        {
            double norm = 0.5 * i;
            var snapshot = Snapshot(norm, clipped: norm > 1.0);
            metrics.RecordStep(runId, snapshot, analysis.Analyze(snapshot), stepSeconds: 0.02 * i);
        }
        metrics.RecordEpoch(runId, epoch: 1, trainLoss: 0.69, trainAccuracy: 0.5, validationLoss: 0.7,
            validationAccuracy: 0.48, learningRate: 0.01);
    }
}
