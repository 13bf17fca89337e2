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
    /// <remarks>
    /// Such a cell's recurrent pre-activation is its input one, so one gradient serves both (b_hh's and W_hh's
    /// products read the input projection's gradient); the others keep a second gradient buffer.
    /// </remarks>
    bool AddsToInputProjection { get; }

    /// <summary>
    /// The leading gate blocks whose recurrent pre-activation gradient is the input one, value for value (the cell's
    /// backward stores the same vector in both): b_hh's gradient there is b_xh's, copied instead of summed again.
    /// All blocks for a cell that adds to the input projection (one buffer serves both), none by default.
    /// </summary>
    int SharedProjectionGradientBlocks => AddsToInputProjection ? GateCount : 0;

    /// <summary>
    /// The leading gate blocks of W_hh whose product reads h_{t-1}; the blocks after them (the GRU's candidate
    /// with the reset applied first) read r ⊙ h_{t-1}, kept in <see cref="CellStep.Extra"/>. All blocks for most cells.
    /// </summary>
    int GatesOnPreviousState => GateCount;

    /// <summary>
    /// Whether Pascanu et al.'s regulariser Ω applies: it assumes ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh, the Elman
    /// cell's Jacobian, whose carried gradient is the one Ω keeps from shrinking.
    /// </summary>
    bool SupportsOmega => false;

    /// <summary>Whether the cell carries a cell state c_t beside h_t (the LSTM): only then is ∂L/∂c_t ever nonzero.</summary>
    bool HasCellState => false;

    /// <summary>Computes h_t (and c_t) from x_t's projection and h_{t-1}, keeping what backward needs.</summary>
    void Forward(ref CellStep step);

    /// <summary>
    /// From ∂L/∂h_t (and ∂L/∂c_t) computes the gradients of both projections and ∂L/∂h_{t-1} (and ∂L/∂c_{t-1}).
    /// </summary>
    void Backward(ref CellStep step);
}
