using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Cells;

/// <summary>The per-step products with W_hh that every cell shares.</summary>
internal static class RecurrentProduct
{
    /// <summary>
    /// output[:, first..first+count) = bias[first..] + input · W_hhᵀ[:, first..first+count), the gate blocks
    /// <paramref name="first"/>/H onwards, for <paramref name="rows"/> rows as wide as all the gates.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int rows, PackedMatrix weightsTransposed,
        ReadOnlySpan<float> bias, Span<float> output, int first, int count, bool descending)
    {
        var gateWidth = weightsTransposed.Columns;
        for (var r = 0; r < rows; r++)
        {
            var row = output.Slice(r * gateWidth + first, count);
            if (bias.IsEmpty)
                row.Clear();
            else
                bias.Slice(first, count).CopyTo(row);
        }
        Gemm.Multiply(MatrixView.RowMajor(input, rows, weightsTransposed.Rows), weightsTransposed.ColumnRange(first, count),
            new MatrixSpan(output, rows, gateWidth), accumulate: true, descending);
    }

    /// <summary>projection += input · W_hhᵀ over all gate blocks, for rows already holding x_t W_xhᵀ + b_xh + b_hh.</summary>
    public static void AddTo(ReadOnlySpan<float> input, int rows, PackedMatrix weightsTransposed,
        Span<float> projection, bool descending) =>
        Gemm.Multiply(MatrixView.RowMajor(input, rows, weightsTransposed.Rows), weightsTransposed,
            new MatrixSpan(projection, rows, weightsTransposed.Columns), accumulate: true, descending);

    /// <summary>
    /// output (+)= gradient[:, first..first+count) · W_hh[first..first+count, :], the recurrent part of ∂L/∂h_{t-1},
    /// with W_hh [GH, H] packed as the product's B.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gradient, int rows, PackedMatrix weights, Span<float> output,
        int first, int count, bool accumulate) =>
        Gemm.Multiply(MatrixView.RowMajor(gradient, rows, weights.Rows).ColumnRange(first, count),
            weights.RowRange(first, count), new MatrixSpan(output, rows, weights.Columns), accumulate);
}
