using System.Numerics.Tensors;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// A direction's weight gradients from the projection gradients BPTT left: dW_xh = Σ_t dXp_tᵀ x_t and
/// dW_hh = Σ_t dHp_tᵀ h_{t-1}, each one product over all T·B stacked rows, and the biases as column sums.
/// </summary>
internal sealed class WeightGradients(IRecurrentCell cell, int inputSize, int hidden)
{
    // Below this many input features dW_xh's rows are too short for the vector kernel.
    private const int NarrowInput = 32;

    private readonly int _gateWidth = cell.GateCount * hidden;
    private float[] _inputWeightsGradientT = [];

    /// <summary>
    /// Writes the gradients of W_xh, W_hh and the biases from <paramref name="x"/> [T·B, I], the histories in
    /// <paramref name="buffers"/> and <paramref name="previousStates"/> (h_{t-1} of each of the T·B rows, [T·B, H]).
    /// Only the first T·B rows can hold a gradient; the padding of a dilated layer's last sub-step holds zeros.
    /// </summary>
    public void Accumulate(StridedMatrix x, DirectionBuffers buffers, StridedMatrix previousStates,
        Parameter inputWeights, Parameter recurrentWeights, Parameter? inputBias, Parameter? recurrentBias,
        int threads)
    {
        int rows = x.Rows, width = _gateWidth;
        var dXp = StridedMatrix.RowMajor(buffers.InputProjectionGradient, rows, width);
        var dHp = StridedMatrix.RowMajor(buffers.RecurrentProjectionGradient, rows, width);
        if (inputSize < NarrowInput)
        {
            // Compute dW_xhᵀ = Σ x_tᵀ dXp_t, whose rows are G·H wide, then transpose it into place.
            var transposed = Workspace.Ensure(ref _inputWeightsGradientT, inputSize * width);
            Gemm.MultiplyParallel(x.Transposed, dXp, StridedMatrix.RowMajor(transposed, inputSize, width),
                accumulate: false, threads);
            Workspace.Transpose(transposed.AsSpan(0, inputSize * width), inputSize, width, inputWeights.Gradient);
        }
        else
        {
            Gemm.MultiplyParallel(dXp.Transposed, x, StridedMatrix.RowMajor(inputWeights.Gradient, width, inputSize),
                accumulate: false, threads);
        }
        var dW_hh = StridedMatrix.RowMajor(recurrentWeights.Gradient, width, hidden);
        var onState = cell.GatesOnPreviousState * hidden;
        if (onState == width)
        {
            Gemm.MultiplyParallel(dHp.Transposed, previousStates, dW_hh, accumulate: false, threads);
        }
        else
        {
            // The blocks after the first ones multiply what the cell kept in Extra (r ⊙ h_{t-1}) instead of h_{t-1}.
            var extra = StridedMatrix.RowMajor(buffers.Extra, rows, hidden);
            Gemm.MultiplyParallel(dHp.Transposed.RowRange(0, onState), previousStates, dW_hh.RowRange(0, onState),
                accumulate: false, threads);
            Gemm.MultiplyParallel(dHp.Transposed.RowRange(onState, width - onState), extra,
                dW_hh.RowRange(onState, width - onState), accumulate: false, threads);
        }
        if (inputBias is not null)
            SumRows(buffers.InputProjectionGradient, rows, width, inputBias.Gradient);
        if (recurrentBias is not null)
            SumRows(buffers.RecurrentProjectionGradient, rows, width, recurrentBias.Gradient);
    }

    private static void SumRows(float[] matrix, int rows, int width, float[] result)
    {
        Array.Clear(result);
        for (var r = 0; r < rows; r++)
            TensorPrimitives.Add(result, matrix.AsSpan(r * width, width), result);
    }
}
