namespace Recurrent.Trainer.Cells;

/// <summary>One recurrent cell: a time step forward and the same step backward.</summary>
internal interface IRecurrentCell
{
    /// <summary>Gate blocks of H rows in W_xh and W_hh (1, 3 or 4).</summary>
    int GateCount { get; }

    /// <summary>
    /// Whether the step adds h_{t-1} W_hhᵀ straight onto x_t's projection, which must then start from b_xh + b_hh:
    /// one buffer instead of two for cells whose gates all see the plain sum (not the GRU's reset candidate).
    /// </summary>
    bool AddsToInputProjection { get; }

    /// <summary>Computes h_t (and c_t) from x_t's projection and h_{t-1}, keeping what backward needs.</summary>
    void Forward(ref CellStep step);

    /// <summary>
    /// From ∂L/∂h_t (and ∂L/∂c_t) computes the gradients of both projections and ∂L/∂h_{t-1} (and ∂L/∂c_{t-1}).
    /// </summary>
    void Backward(ref CellStep step);
}
