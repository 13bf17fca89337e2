using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The per-step head (many-to-many, equal length): z_t = W u_t + b at every step t of every sequence, where u_t is
/// the top layer's output at t (both directions' h_t side by side), as one product over the T·B stacked rows. The
/// loss is the mean of the per-step losses over the batch's labelled steps (padding and unlabelled steps carry
/// none), as the per-sequence head's is the mean over its sequences: each loss term weighs the same.
/// </summary>
internal sealed partial class OutputHead
{
    // Rows of the loss handed to one worker: enough exponentials to pay for the hand-off.
    private const int LossRowsPerPart = 256;

    // Output columns of the forward product come in multiples of this: two 512-bit vectors, the widest tile.
    private const int PaddedColumns = 32;

    private float[] _weightsT = [], _paddedLogits = [], _rowGradient = [];
    private double[] _rowLosses = [];

    /// <summary>logits [rows, Outputs] = input [rows, InputSize] · Wᵀ + b.</summary>
    public void ForwardSteps(StridedMatrix input, float[] logits, int threads)
    {
        int rows = input.Rows, outputs = Outputs;
        // B of the product must be row-major: Wᵀ, a small copy per pass. A few classes would leave the product's
        // vector tiles idle and run its scalar column tail over every row, so the columns are padded with zeros to
        // whole tiles and the logits copied out; each logit is the same FMA chain either way.
        var columns = (outputs + PaddedColumns - 1) / PaddedColumns * PaddedColumns;
        var weightsT = Workspace.Ensure(ref _weightsT, InputSize * columns);
        for (var j = 0; j < InputSize; j++)
        {
            var row = weightsT.AsSpan(j * columns, columns);
            for (var o = 0; o < outputs; o++)
                row[o] = Weights.Value[o * InputSize + j];
            row[outputs..].Clear();
        }
        var product = columns == outputs ? logits : Workspace.Ensure(ref _paddedLogits, rows * columns);
        for (var r = 0; r < rows; r++)
        {
            var row = product.AsSpan(r * columns, columns);
            row.Clear();
            Bias?.Value.CopyTo(row);
        }
        Gemm.MultiplyParallel(input, StridedMatrix.RowMajor(weightsT, InputSize, columns),
            StridedMatrix.RowMajor(product, rows, columns), accumulate: true, threads);
        if (columns == outputs)
            return;
        for (var r = 0; r < rows; r++)
            product.AsSpan(r * columns, outputs).CopyTo(logits.AsSpan(r * outputs, outputs));
    }

    /// <summary>
    /// The sum of the per-step losses of a batch's labelled steps (logits [Steps·Size, Outputs], time-major). When
    /// <paramref name="logitGradient"/> is given it also writes ∂(sum / <paramref name="divisor"/>)/∂logits, zero on
    /// steps without a label.
    /// </summary>
    public double StepLossSum(float[] logits, SequenceBatch batch, float[]? logitGradient, double divisor, int threads)
    {
        var rows = batch.Steps * batch.Size;
        var losses = _rowLosses.Length >= rows ? _rowLosses : _rowLosses = new double[rows];
        // Each row's loss is written by one worker and summed below in row order, so the sum has the same bits
        // whatever the thread count.
        var parts = Math.Clamp(rows / LossRowsPerPart, 1, Math.Max(1, threads));
        if (parts == 1)
        {
            StepLossRows(logits, batch, logitGradient, divisor, losses, 0, rows);
        }
        else
        {
            var perPart = (rows + parts - 1) / parts;
            PartRunner.Run(parts, part =>
            {
                var first = part * perPart;
                StepLossRows(logits, batch, logitGradient, divisor, losses, first, Math.Min(perPart, rows - first));
            }, "per-step loss");
        }
        var sum = 0.0;
        for (var r = 0; r < rows; r++)
            sum += losses[r];
        return sum;
    }

    private void StepLossRows(float[] logits, SequenceBatch batch, float[]? gradient, double divisor, double[] losses,
        int first, int count)
    {
        var outputs = Outputs;
        for (var r = first; r < first + count; r++)
        {
            var z = logits.AsSpan(r * outputs, outputs);
            var dz = gradient is null ? default : gradient.AsSpan(r * outputs, outputs);
            losses[r] = StepLoss(z, batch, r, dz, divisor);
        }
    }

    // The loss of row r (step r / B of sequence r mod B); 0, with a zero gradient, on a step without a label.
    private double StepLoss(ReadOnlySpan<float> z, SequenceBatch batch, int r, Span<float> dz, double divisor)
    {
        if (Kind == HeadKind.Regression)
        {
            var target = batch.StepTargets[r];
            if (float.IsNaN(target))
            {
                dz.Clear();
                return 0;
            }
            return SquaredError(z[0], target, dz, divisor);
        }
        var label = batch.StepClasses[r];
        if (label < 0)
        {
            dz.Clear();
            return 0;
        }
        return Kind == HeadKind.Binary
            ? BinaryCrossEntropy(z[0], label, dz, divisor)
            : SoftmaxCrossEntropy(z, label, dz, divisor);
    }

    /// <summary>
    /// The mean loss over the batch's labelled steps and, into <paramref name="logitGradient"/>, its gradient (0
    /// and no gradient when no step has a label).
    /// </summary>
    public double StepLoss(float[] logits, SequenceBatch batch, float[] logitGradient, int threads)
    {
        var labelled = batch.LabelledSteps;
        if (labelled == 0)
        {
            logitGradient.AsSpan(0, batch.Steps * batch.Size * Outputs).Clear();
            return 0;
        }
        return StepLossSum(logits, batch, logitGradient, labelled, threads) / labelled;
    }

    /// <summary>
    /// ∂ℓ_b/∂u at each sequence's last step, for the loss ℓ_b of that step alone (not divided by anything), written
    /// into <paramref name="inputGradient"/> [Steps·Size, InputSize] at row (T_b − 1)·B + b; every other row is zero.
    /// </summary>
    public void LastStepInputGradient(ReadOnlySpan<float> logits, SequenceBatch batch, float[] inputGradient)
    {
        int size = batch.Size, outputs = Outputs, width = InputSize;
        inputGradient.AsSpan(0, batch.Steps * size * width).Clear();
        var scratch = Workspace.Ensure(ref _rowGradient, outputs).AsSpan(0, outputs);
        for (var b = 0; b < size; b++)
        {
            var r = (batch.Lengths[b] - 1) * size + b;
            StepLoss(logits.Slice(r * outputs, outputs), batch, r, scratch, divisor: 1);
            var du = inputGradient.AsSpan(r * width, width);
            for (var o = 0; o < outputs; o++)
            {
                if (scratch[o] != 0)
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(Weights.Value.AsSpan(o * width, width),
                        scratch[o], du, du);
            }
        }
    }

    /// <summary>
    /// Writes the head's gradients from ∂L/∂logits [rows, Outputs] and ∂L/∂u [rows, InputSize] into
    /// <paramref name="inputGradient"/>: dW = Σ_t dz_tᵀ u_t and du_t = dz_t W as one product each over all rows.
    /// </summary>
    public void BackwardSteps(StridedMatrix input, float[] logitGradient, float[] inputGradient, int threads)
    {
        int rows = input.Rows, outputs = Outputs;
        var dz = StridedMatrix.RowMajor(logitGradient, rows, outputs);
        Gemm.MultiplyParallel(dz.Transposed, input, StridedMatrix.RowMajor(Weights.Gradient, outputs, InputSize),
            accumulate: false, threads);
        if (Bias is not null)
        {
            // Summed in double: thousands of small terms.
            for (var o = 0; o < outputs; o++)
            {
                var sum = 0.0;
                for (var r = 0; r < rows; r++)
                    sum += logitGradient[r * outputs + o];
                Bias.Gradient[o] = (float)sum;
            }
        }
        Gemm.MultiplyParallel(dz, StridedMatrix.RowMajor(Weights.Value, outputs, InputSize),
            StridedMatrix.RowMajor(inputGradient, rows, InputSize), accumulate: false, threads);
    }
}
