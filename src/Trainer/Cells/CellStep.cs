using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// The buffers of one time step for a contiguous range of batch rows. Matrices are row-major with one row per
/// sequence; GH = gates × hidden.
/// </summary>
internal ref struct CellStep
{
    /// <summary>Rows (sequences) in this range.</summary>
    public int Rows;

    /// <summary>Hidden size H.</summary>
    public int Hidden;

    /// <summary>
    /// x_t W_xhᵀ + b_xh (+ b_hh for cells that add the recurrent product onto it), [Rows, GH]; the forward step may
    /// overwrite it with gate pre-activations.
    /// </summary>
    public Span<float> InputProjection;

    /// <summary>Scratch for h_{t-1} W_hhᵀ + b_hh, [Rows, GH], for cells that keep it apart (the GRU); empty otherwise.</summary>
    public Span<float> RecurrentProjection;

    /// <summary>h_{t-1}, [Rows, H].</summary>
    public ReadOnlySpan<float> PreviousState;

    /// <summary>c_{t-1} (LSTM), [Rows, H].</summary>
    public ReadOnlySpan<float> PreviousCell;

    /// <summary>h_t, [Rows, H].</summary>
    public Span<float> State;

    /// <summary>c_t (LSTM), [Rows, H].</summary>
    public Span<float> Cell;

    /// <summary>Gate activations kept for backward, [Rows, GH].</summary>
    public Span<float> Gates;

    /// <summary>One more [Rows, H] kept for backward: tanh(c_t) (LSTM), W_hh h + b for the candidate or r ⊙ h_{t-1} (GRU).</summary>
    public Span<float> Extra;

    /// <summary>W_hh [GH, H], packed as the B of ∂L/∂z · W_hh.</summary>
    public PackedMatrix RecurrentWeights;

    /// <summary>W_hhᵀ [H, GH] packed in gate blocks, refreshed after every update.</summary>
    public PackedMatrix RecurrentWeightsTransposed;

    /// <summary>Inference: nothing after this step reads <see cref="Gates"/> or <see cref="Extra"/>, so a cell may
    /// use them as scratch or leave them unwritten.</summary>
    public bool Inference;

    /// <summary>
    /// Set when <see cref="InputProjection"/> already holds h_{t-1} W_hhᵀ too (inference's one product over
    /// [x_t | h_{t-1}]): a cell that adds the recurrent product onto the input projection then skips its own.
    /// </summary>
    public bool RecurrentProductAdded;

    /// <summary>Walk W_hhᵀ backwards this step (alternated per step so a batch-1 product starts on cached panels).</summary>
    public bool Descending;

    /// <summary>b_hh [GH], or empty without biases.</summary>
    public ReadOnlySpan<float> RecurrentBias;

    /// <summary>In: ∂L/∂h_t, [Rows, H]. Clobbered.</summary>
    public Span<float> StateGradient;

    /// <summary>In: ∂L/∂c_t from step t+1 (LSTM); out: ∂L/∂c_{t-1}.</summary>
    public Span<float> CellGradient;

    /// <summary>Scratch of [Rows, H] for a cell's intermediate gradients.</summary>
    public Span<float> Scratch;

    /// <summary>Out: the recurrent part of ∂L/∂h_{t-1}, [Rows, H].</summary>
    public Span<float> PreviousStateGradient;

    /// <summary>Out: ∂L/∂(x_t W_xhᵀ + b_xh), [Rows, GH].</summary>
    public Span<float> InputProjectionGradient;

    /// <summary>Out: ∂L/∂(W_hh h + b_hh) per gate block (GRU only; the other cells share the input one), [Rows, GH].</summary>
    public Span<float> RecurrentProjectionGradient;
}
