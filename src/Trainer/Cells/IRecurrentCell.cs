namespace Recurrent.Trainer.Cells;

/// <summary>One recurrent cell: a time step forward and the same step backward.</summary>
internal interface IRecurrentCell
{
    /// <summary>Gate blocks of H rows in W_xh and W_hh (1, 3 or 4).</summary>
    int GateCount { get; }

    /// <summary>Computes h_t (and c_t) from x_t's projection and h_{t-1}, keeping what backward needs.</summary>
    void Forward(ref CellStep step);

    /// <summary>
    /// From ∂L/∂h_t (and ∂L/∂c_t) computes the gradients of both projections and ∂L/∂h_{t-1} (and ∂L/∂c_{t-1}).
    /// </summary>
    void Backward(ref CellStep step);
}
