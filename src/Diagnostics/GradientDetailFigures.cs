using System.Text.Json.Serialization;

namespace Recurrent.Diagnostics;

/// <summary>
/// The adjoint analysis of one recurrent path (a layer's direction), defined as the global one is on layer 0's
/// forward direction: <c>{"layer", "direction", "log10_vanishing_ratio", "memory_horizon", "profile_log10"}</c>.
/// </summary>
/// <param name="Layer">"0".."7".</param>
/// <param name="Direction">"forward" or "reverse".</param>
/// <param name="Log10VanishingRatio">Median log10 g_1/g_T of the path; null when no sample defined it.</param>
/// <param name="MemoryHorizon">Steps back its gradient stays above 1e-3 of its value at the loss; null when undefined.</param>
/// <param name="ProfileLog10">Median log10 g_{T-k}/g_T at the global profile's steps_back.</param>
public sealed record PathFigures(
    string Layer,
    string Direction,
    double? Log10VanishingRatio,
    int? MemoryHorizon,
    [property: JsonConverter(typeof(NonFiniteAsNullArrayConverter))] double[] ProfileLog10);

/// <summary>
/// One parameter block's figures: <c>{"layer", "direction", "block", "gate", "grad_norm", "weight_norm",
/// "update_ratio"}</c>.
/// </summary>
/// <param name="Layer">"0".."7", or "head".</param>
/// <param name="Direction">"forward" or "reverse" ("forward" for the head).</param>
/// <param name="Block">"W_xh", "W_hh", "b", "W_hy" or "b_y".</param>
/// <param name="Gate">The gate whose rows the block holds (see <see cref="ParameterBlock"/>).</param>
/// <param name="GradNorm">L2 norm of the block's gradient before clipping.</param>
/// <param name="WeightNorm">L2 norm of the block's weights the gradient was taken at (before the update).</param>
/// <param name="UpdateRatio">‖W_after − W_before‖ / ‖W_before‖ of the update; null when the step was not updated.</param>
public sealed record BlockFigures(
    string Layer,
    string Direction,
    string Block,
    string Gate,
    [property: JsonConverter(typeof(NonFiniteAsNullConverter))] double GradNorm,
    [property: JsonConverter(typeof(NonFiniteAsNullConverter))] double WeightNorm,
    double? UpdateRatio);

/// <summary>One saturation share: <c>{"layer", "direction", "unit", "share"}</c>.</summary>
/// <param name="Layer">"0".."7".</param>
/// <param name="Direction">"forward" or "reverse".</param>
/// <param name="Unit">See <see cref="SaturationUnit"/>.</param>
/// <param name="Share">The share of the batch's gate values (or states, or units) that saturated, 0 to 1.</param>
public sealed record SaturationFigure(
    string Layer,
    string Direction,
    string Unit,
    [property: JsonConverter(typeof(NonFiniteAsNullConverter))] double Share);
