namespace Recurrent.Host.Service.Gradients;

/// <summary>One training step's gradient health, as kept for <c>GET /api/runs/{id}/gradients</c>.</summary>
/// <param name="Step">Optimizer step from 1.</param>
/// <param name="Epoch">Epoch from 1.</param>
/// <param name="Loss">Mean batch loss.</param>
/// <param name="GradNorm">Global L2 norm before clipping.</param>
/// <param name="Clipped">True when clipping rescaled the gradient.</param>
/// <param name="NonFinite">True when the loss or gradient was NaN or infinite (the step was not applied or stopped the run).</param>
/// <param name="Log10VanishingRatio">Median log10 g_1/g_T; null when no sample defined it.</param>
/// <param name="MemoryHorizon">Steps back the gradient stays above 1e-3 of its value at the loss; null when undefined.</param>
/// <param name="ProfileLog10">Median log10 g_{T-k}/g_T for the leading steps-back values k.</param>
public sealed record GradientPoint(
    long Step,
    int Epoch,
    double Loss,
    double GradNorm,
    bool Clipped,
    bool NonFinite,
    double? Log10VanishingRatio,
    int? MemoryHorizon,
    double[] ProfileLog10);
