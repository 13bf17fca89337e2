namespace Recurrent.Host.Experiments.Runs;

/// <summary>What one optimizer step looked like from outside: loss, pre-clip norm, clipping, non-finite.</summary>
internal readonly record struct StepRecord(long Step, double Loss, double PreClipNorm, bool Clipped, bool NonFinite);

/// <summary>
/// The gradient-health figures of one analysed step (NaN when undefined for that batch).
/// </summary>
/// <param name="Step">Optimizer step.</param>
/// <param name="Log10VanishingRatio">Median log10 g_1/g_T.</param>
/// <param name="DecayPerStep">Median κ, decades per step.</param>
/// <param name="MemoryHorizon">H_ε in steps.</param>
/// <param name="Log10JacobianBound">log10 of γ·σ_max(W_hh) of the first layer, σ_max converged by power iteration.</param>
/// <param name="MaxLog10StepFactor">The largest single-step growth log10 g_t/g_{t+1} over the batch and the window.</param>
internal readonly record struct AnalysisRecord(long Step, double Log10VanishingRatio, double DecayPerStep,
    int MemoryHorizon, double Log10JacobianBound, double MaxLog10StepFactor);

/// <summary>log10 γ·σ_max(W_hh) of one layer and direction, labelled as the metrics label it ("0", "1_reverse").</summary>
internal readonly record struct LayerBound(string Layer, double Log10Bound);
