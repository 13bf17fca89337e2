using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Diagnostics.Tests.Analysis;

namespace Recurrent.Diagnostics.Tests.Metrics;

/// <summary>Feeds <see cref="TrainingMetrics"/> the way a trainer observer would.</summary>
internal static class TrainingScenario
{
    /// <summary>
    /// A step of a batch of two sequences; <paramref name="clippedSteps"/> and <paramref name="nonFiniteSteps"/> are
    /// the run's totals through this step, as the trainer counts them.
    /// </summary>
    public static GradientSnapshot Snapshot(double preClipNorm, bool clipped = false, bool nonFinite = false, long step = 1,
        long clippedSteps = -1, long nonFiniteSteps = -1)
    {
        var snapshot = Snapshots.WithRows(Snapshots.Geometric(20, 0.5), Snapshots.Geometric(12, 0.7));
        snapshot.Step = step;
        snapshot.PreClipNorm = preClipNorm;
        snapshot.ClipMode = ClipMode.GlobalNorm;
        snapshot.ClipThreshold = 1.0;
        snapshot.Clipped = clipped;
        snapshot.NonFinite = nonFinite;
        snapshot.ClippedSteps = clippedSteps >= 0 ? clippedSteps : clipped ? 1 : 0;
        snapshot.NonFiniteSteps = nonFiniteSteps >= 0 ? nonFiniteSteps : nonFinite ? 1 : 0;
        snapshot.GroupNames = ["W_xh", "W_hh", "b", "head"];
        snapshot.GroupNorms = [0.1, 0.7, 0.01, 0.3];
        snapshot.RecurrentWeights = [new RecurrentWeights("0", [0.5f, 0f, 0f, 0.25f], 2, 2, 1.0)];
        return snapshot;
    }

    /// <summary>
    /// What the block detail level adds for a one-layer bidirectional Elman network: two paths, the blocks of both
    /// directions and the head, and the tanh saturation of both directions.
    /// </summary>
    public static void AddDetail(GradientSnapshot snapshot)
    {
        snapshot.Paths = [Snapshots.Path("0", "forward", Snapshots.Geometric(20, 0.5), Snapshots.Geometric(12, 0.7)),
            Snapshots.Path("0", "reverse", Snapshots.Geometric(20, 0.9), Snapshots.Geometric(12, 0.8))];
        snapshot.Blocks =
        [
            new ParameterBlock("0", "forward", "W_xh", "h"), new ParameterBlock("0", "forward", "W_hh", "h"),
            new ParameterBlock("0", "forward", "b", "h"), new ParameterBlock("0", "reverse", "W_xh", "h"),
            new ParameterBlock("0", "reverse", "W_hh", "h"), new ParameterBlock("0", "reverse", "b", "h"),
            new ParameterBlock("head", "forward", "W_hy", "y"), new ParameterBlock("head", "forward", "b_y", "y"),
        ];
        snapshot.BlockGradNorms = [0.1, 0.5, 0.01, 0.2, 0.4, 0.02, 0.3, 0.05];
        snapshot.BlockWeightNorms = [2, 3, 0.5, 2, 3, 0.5, 1, 0.1];
        snapshot.BlockUpdateRatios = [1e-3, 2e-3, 1e-2, 1e-3, 2e-3, 1e-2, 3e-3, 1e-2];
        snapshot.SaturationUnits = [new SaturationUnit("0", "forward", "tanh"), new SaturationUnit("0", "reverse", "tanh")];
        snapshot.SaturationShares = [0.1, 0.25];
    }

    /// <summary>Sets every adjoint norm of the snapshot to <paramref name="value"/>.</summary>
    public static void FillAdjointNorms(GradientSnapshot snapshot, float value)
    {
        var norms = new float[snapshot.AdjointNorms.Length];
        Array.Fill(norms, value);
        snapshot.SetAdjointNorms(snapshot.AdjointStride, snapshot.WindowLengths.ToArray(), norms);
    }

    /// <summary>
    /// Records <paramref name="steps"/> steps with norms 0.5, 1, 1.5, ... (those above 1 clipped) and one epoch,
    /// continuing a run that stands at <paramref name="fromStep"/> with <paramref name="clippedBefore"/> clipped steps.
    /// With <paramref name="updateShares"/> the run is one of skip updates with these shares per layer.
    /// </summary>
    /// With <paramref name="detailed"/> each step carries what the block detail level adds (<see cref="AddDetail"/>).
    public static void Train(TrainingMetrics metrics, string runId, int steps = 4, long fromStep = 0, long clippedBefore = 0,
        long nonFiniteBefore = 0, double[]? updateShares = null, bool detailed = false)
    {
        var analysis = new GradientAnalysis();
        long clipped = clippedBefore;
        for (int i = 1; i <= steps; i++)
        {
            double norm = 0.5 * i;
            if (norm > 1.0)
                clipped++;
            var snapshot = Snapshot(norm, clipped: norm > 1.0, step: fromStep + i, clippedSteps: clipped,
                nonFiniteSteps: nonFiniteBefore);
            snapshot.UpdateShares = updateShares ?? [];
            if (detailed)
                AddDetail(snapshot);
            metrics.RecordStep(runId, snapshot, analysis.Analyze(snapshot), stepSeconds: 0.02 * i);
        }
        metrics.RecordEpoch(runId, epoch: 1, trainLoss: 0.69, trainAccuracy: 0.5, validationLoss: 0.7,
            validationAccuracy: 0.48, learningRate: 0.01);
    }
}
