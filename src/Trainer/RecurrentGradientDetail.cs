namespace Microsoft.ML;

/// <summary>
/// How much of the gradient's health a run measures and exports, each level adding to the one before; the series per
/// run at each level are listed in docs/diagnostics-detail.md.
/// </summary>
public enum RecurrentGradientDetail
{
    /// <summary>
    /// The global figures only: the pre-clip norm, the parameter groups' norms and the adjoint analysis of layer 0's
    /// forward direction.
    /// </summary>
    Global,

    /// <summary>
    /// Plus, per layer and direction, its own adjoint analysis (vanishing ratio, memory horizon, profile) and the
    /// saturation of its gates and states in the forward pass.
    /// </summary>
    Layer,

    /// <summary>
    /// Plus, per parameter block (W_xh, W_hh and b of each gate, the head's W_hy and b_y), the gradient norm, the
    /// weight norm and the update-to-weight ratio of the optimizer step.
    /// </summary>
    Block,
}
