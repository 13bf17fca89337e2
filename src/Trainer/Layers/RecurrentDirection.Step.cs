using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// One step of inference from a state the caller keeps, for generation: the caller carries h (and c) from call to
/// call, so a long prefix is never run again. The same cell kernels as <see cref="Forward"/>, one step at a time.
/// </summary>
internal sealed partial class RecurrentDirection
{
    private float[] _stepProjection = [], _stepRecurrent = [], _stepGates = [], _stepExtra = [];

    /// <summary>
    /// s_t = cell(x_t, s_prev) for <paramref name="rows"/> rows: reads x [rows, InputSize], h_prev and c_prev
    /// [rows, H], writes h and c [rows, H] (which must not overlap the previous ones). Callers serialise calls.
    /// </summary>
    public void Step(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> previousState,
        ReadOnlySpan<float> previousCell, Span<float> state, Span<float> cell, long weightVersion)
    {
        PackWeights(weightVersion);
        int hidden = Hidden, width = _gateWidth;
        var projection = Workspace.Ensure(ref _stepProjection, rows * width).AsSpan(0, rows * width);
        FillInputBias(projection, rows);
        Gemm.Multiply(MatrixView.RowMajor(x, rows, InputSize), _inputWeightsT, new MatrixSpan(projection, rows, width),
            accumulate: true);
        var step = new CellStep
        {
            Inference = true,
            Rows = rows,
            Hidden = hidden,
            InputProjection = projection,
            RecurrentProjection = _cell.AddsToInputProjection
                ? default
                : Workspace.Ensure(ref _stepRecurrent, rows * width).AsSpan(0, rows * width),
            PreviousState = previousState,
            PreviousCell = previousCell,
            State = state,
            Cell = cell,
            Gates = Workspace.Ensure(ref _stepGates, rows * width).AsSpan(0, rows * width),
            Extra = Workspace.Ensure(ref _stepExtra, rows * hidden).AsSpan(0, rows * hidden),
            RecurrentWeightsTransposed = _recurrentWeightsT,
            RecurrentBias = RecurrentBias is null ? default : RecurrentBias.Value,
        };
        _cell.Forward(ref step);
    }
}
