using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Experiments.Runs;

/// <summary>
/// Observes one training run: keeps every step's loss and norm, and analyses every n-th snapshot with the same
/// <see cref="GradientAnalysis"/> the service exports, plus a tightly converged σ_max for the Jacobian bound.
/// </summary>
internal sealed class RunRecorder(int analyzeEvery) : ITrainingObserver
{
    // The service's estimator runs three warm-started iterations per step, a lower bound of σ_max that lags a
    // changing matrix; comparing a measured decay against it needs the converged value.
    private const int PowerIterations = 40;

    private readonly GradientAnalysis _analysis = new();
    private readonly SpectralNormEstimator _spectralNorm = new(PowerIterations);

    // Its own warm starts, so recording every layer leaves the first layer's series above exactly as it was.
    private readonly SpectralNormEstimator _layerNorms = new(PowerIterations);

    public List<StepRecord> Steps { get; } = [];

    public List<AnalysisRecord> Analyses { get; } = [];

    /// <summary>log10 γ·σ_max(W_hh) of every layer and direction at the first analysed step (the untrained weights).</summary>
    public List<LayerBound> InitialLayerBounds { get; } = [];

    /// <summary>The same at the last analysed step.</summary>
    public List<LayerBound> FinalLayerBounds { get; } = [];

    public void OnStep(StepReport step)
    {
        var snapshot = step.Snapshot;
        Steps.Add(new StepRecord(step.Step, snapshot.Loss, snapshot.PreClipNorm, snapshot.Clipped, snapshot.NonFinite));
        if (snapshot.NonFinite || (step.Step - 1) % analyzeEvery != 0)
            return;
        var result = _analysis.Analyze(snapshot);
        double bound = snapshot.RecurrentWeights.Count > 0
            ? Math.Log10(_spectralNorm.EstimateBound(snapshot.RecurrentWeights[0]))
            : double.NaN;
        RecordLayerBounds(snapshot);
        Analyses.Add(new AnalysisRecord(step.Step,
            result.HasRatios ? result.MedianLog10VanishingRatio : double.NaN,
            result.HasRatios ? result.MedianDecayLog10PerStep : double.NaN,
            result.MemoryHorizonSteps, bound, MaxStepFactor(snapshot)));
    }

    // Every layer's bound, not just the first: a dilated layer's bound covers d time steps per factor.
    private void RecordLayerBounds(GradientSnapshot snapshot)
    {
        FinalLayerBounds.Clear();
        foreach (var weights in snapshot.RecurrentWeights)
            FinalLayerBounds.Add(new LayerBound(weights.Layer, Math.Log10(_layerNorms.EstimateBound(weights))));
        if (InitialLayerBounds.Count == 0)
            InitialLayerBounds.AddRange(FinalLayerBounds);
    }

    public void OnEpoch(EpochReport epoch)
    {
    }

    /// <summary>max over samples and steps of log10 g_t/g_{t+1}: how much one step back ever multiplied the adjoint.</summary>
    private static double MaxStepFactor(GradientSnapshot snapshot)
    {
        if (!snapshot.HasAdjointNorms)
            return double.NaN;
        double max = double.NegativeInfinity;
        for (int b = 0; b < snapshot.BatchSize; b++)
        {
            var norms = snapshot.AdjointNormsOf(b);
            for (int t = 0; t + 1 < norms.Length; t++)
            {
                // Below 1e-30 the float norms are rounding noise; the ratio would say nothing about the Jacobian.
                if (norms[t + 1] > 1e-30f && float.IsFinite(norms[t]))
                    max = Math.Max(max, Math.Log10(norms[t] / (double)norms[t + 1]));
            }
        }
        return double.IsNegativeInfinity(max) ? double.NaN : max;
    }
}
