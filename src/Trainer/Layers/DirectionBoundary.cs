namespace Recurrent.Trainer.Layers;

/// <summary>
/// Where a direction's time loop meets another network (an encoder–decoder's bridge): the state s_0 = (h_0, c_0) it
/// starts from instead of zeros, and in BPTT the adjoint ∂L/∂s_0 it hands back, with ∂L/∂c injected at each
/// sequence's last valid step (∂L/∂h there comes with the output gradient, as any step's does). Rows are the batch's
/// sequences, [B, H] each; only a forward, undilated direction without skip gates takes one.
/// </summary>
internal sealed class DirectionBoundary
{
    /// <summary>h_0 [B, H] (null: zeros).</summary>
    public float[]? InitialState { get; set; }

    /// <summary>c_0 [B, H] of an LSTM (null: zeros).</summary>
    public float[]? InitialCell { get; set; }

    /// <summary>In: ∂L/∂c_{T_b−1} [B, H] from past the last step (the LSTM encoder's c handed on), or null.</summary>
    public float[]? FinalCellGradient { get; set; }

    /// <summary>Out: ∂L/∂h_0 [B, H], written by the backward pass when not null.</summary>
    public float[]? InitialStateGradient { get; set; }

    /// <summary>Out: ∂L/∂c_0 [B, H] (zeros for cells without a cell state), written when not null.</summary>
    public float[]? InitialCellGradient { get; set; }
}
