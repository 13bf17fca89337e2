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
    private float[] _inputWeightsGradientT = [], _stepInputsGradient = [];

    /// <summary>
    /// Writes the gradients of W_xh, W_hh and the biases from <paramref name="x"/> [T·B, I], the histories in
    /// <paramref name="buffers"/> and <paramref name="previousStates"/> (h_{t-1} of each of the T·B rows, [T·B, H]).
    /// Only the first T·B rows can hold a gradient; the padding of a dilated layer's last sub-step holds zeros.
    /// With <paramref name="stepInputs"/> ([x_t | h_{t-1}] of the T·B rows, padded with zero columns), given for a
    /// cell with one projection gradient, dW_xh and dW_hh are one product.
    /// </summary>
    public void Accumulate(StridedMatrix x, DirectionBuffers buffers, StridedMatrix previousStates,
        Parameter inputWeights, Parameter recurrentWeights, Parameter? inputBias, Parameter? recurrentBias,
        int threads, StridedMatrix? stepInputs = null)
    {
        int rows = x.Rows, width = _gateWidth;
        var dXp = StridedMatrix.RowMajor(buffers.InputProjectionGradient, rows, width);
        var dHp = StridedMatrix.RowMajor(buffers.RecurrentProjectionGradient, rows, width);
        if (stepInputs is { } stacked && cell.AddsToInputProjection)
        {
            JointWeightGradients(dXp, stacked, inputWeights.Gradient, recurrentWeights.Gradient, threads);
        }
        else
        {
            SeparateWeightGradients(x, dXp, dHp, buffers, previousStates, inputWeights, recurrentWeights, threads);
        }
        BiasGradients(buffers, rows, inputBias, recurrentBias, threads);
    }

    // [dW_xh | dW_hh] = Σ ∂L/∂z_tᵀ · [x_t | h_{t-1}] as one product of G·H rows (split between the threads), instead
    // of dW_xh's product of I rows (split by columns, then transposed) and dW_hh's: each element is the same FMA chain
    // over the T·B rows in ascending order either way, so the bits are the same.
    private void JointWeightGradients(StridedMatrix dZ, StridedMatrix stepInputs, float[] dW_xh, float[] dW_hh,
        int threads)
    {
        int width = _gateWidth, columns = stepInputs.Columns;
        var joint = Workspace.Ensure(ref _stepInputsGradient, width * columns);
        Gemm.MultiplyParallel(dZ.Transposed, stepInputs, StridedMatrix.RowMajor(joint, width, columns),
            accumulate: false, threads);
        for (var g = 0; g < width; g++)
        {
            joint.AsSpan(g * columns, inputSize).CopyTo(dW_xh.AsSpan(g * inputSize, inputSize));
            joint.AsSpan(g * columns + inputSize, hidden).CopyTo(dW_hh.AsSpan(g * hidden, hidden));
        }
    }

    // dW_xh and dW_hh as two or three products (the GRU's blocks after the first ones multiply r ⊙ h_{t-1}), all in
    // one hand-off between the threads.
    private void SeparateWeightGradients(StridedMatrix x, StridedMatrix dXp, StridedMatrix dHp, DirectionBuffers buffers,
        StridedMatrix previousStates, Parameter inputWeights, Parameter recurrentWeights, int threads)
    {
        int rows = x.Rows, width = _gateWidth;
        var products = new List<(StridedMatrix A, StridedMatrix B, StridedMatrix C)>(3);
        var narrow = inputSize < NarrowInput;
        float[] transposed = [];
        if (narrow)
        {
            // Compute dW_xhᵀ = Σ x_tᵀ dXp_t, whose rows are G·H wide, then transpose it into place.
            transposed = Workspace.Ensure(ref _inputWeightsGradientT, inputSize * width);
            products.Add((x.Transposed, dXp, StridedMatrix.RowMajor(transposed, inputSize, width)));
        }
        else
        {
            products.Add((dXp.Transposed, x, StridedMatrix.RowMajor(inputWeights.Gradient, width, inputSize)));
        }
        var dW_hh = StridedMatrix.RowMajor(recurrentWeights.Gradient, width, hidden);
        var onState = cell.GatesOnPreviousState * hidden;
        if (onState == width)
        {
            products.Add((dHp.Transposed, previousStates, dW_hh));
        }
        else
        {
            // The blocks after the first ones multiply what the cell kept in Extra (r ⊙ h_{t-1}) instead of h_{t-1}.
            var extra = StridedMatrix.RowMajor(buffers.Extra, rows, hidden);
            products.Add((dHp.Transposed.RowRange(0, onState), previousStates, dW_hh.RowRange(0, onState)));
            products.Add((dHp.Transposed.RowRange(onState, width - onState), extra,
                dW_hh.RowRange(onState, width - onState)));
        }
        Gemm.MultiplyParallel(products, threads);
        if (narrow)
            Workspace.Transpose(transposed.AsSpan(0, inputSize * width), inputSize, width, inputWeights.Gradient);
    }

    private void BiasGradients(DirectionBuffers buffers, int rows, Parameter? inputBias, Parameter? recurrentBias,
        int threads)
    {
        var width = _gateWidth;
        if (inputBias is not null)
            ColumnSums.Sum(buffers.InputProjectionGradient, rows, width, inputBias.Gradient, threads);
        if (recurrentBias is null)
            return;
        // Where the cell's two pre-activation gradients are the same values, b_hh's gradient is b_xh's.
        var shared = inputBias is null ? 0 : cell.SharedProjectionGradientBlocks * hidden;
        inputBias?.Gradient.AsSpan(0, shared).CopyTo(recurrentBias.Gradient);
        if (shared < width)
            ColumnSums.Sum(buffers.RecurrentProjectionGradient, rows, width, recurrentBias.Gradient, threads, shared);
    }
}
