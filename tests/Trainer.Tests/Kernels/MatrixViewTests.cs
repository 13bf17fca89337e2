using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>The strided views the products take: what they read, and the products they refuse.</summary>
public class MatrixViewTests
{
    [Fact]
    public void A_transposed_view_gives_the_bits_of_a_transposed_copy()
    {
        const int rows = 37, k = 19, n = 40;
        var x = KernelData.Random(k * rows, 1);
        var b = KernelData.Random(k * n, 2);
        var copy = new float[rows * k];
        for (var i = 0; i < rows; i++)
        {
            for (var p = 0; p < k; p++)
                copy[i * k + p] = x[p * rows + i];
        }
        var expected = new float[rows * n];
        Gemm.Multiply(MatrixView.RowMajor(copy, rows, k), MatrixView.RowMajor(b, k, n), new MatrixSpan(expected, rows, n),
            accumulate: false);
        var actual = new float[rows * n];
        Gemm.MultiplyParallel(StridedMatrix.RowMajor(x, k, rows).Transposed, StridedMatrix.RowMajor(b, k, n),
            StridedMatrix.RowMajor(actual, rows, n), accumulate: false, threads: 2);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Row_and_column_ranges_read_the_block_they_name()
    {
        // A 4×5 matrix 0..19 at offset 3 of its array: rows 1..3, columns 2..4 start at element 3 + 1·5 + 2.
        var data = Enumerable.Range(-3, 23).Select(i => (float)i).ToArray();
        var block = StridedMatrix.RowMajor(data, 4, 5, offset: 3).RowRange(1, 2).ColumnRange(2, 3);
        Assert.Equal((10, 2, 3, 5, 1), (block.Offset, block.Rows, block.Columns, block.RowStride, block.ColumnStride));
        MatrixView view = block.Transposed;
        Assert.Equal((3, 2, 1, 5), (view.Rows, view.Columns, view.RowStride, view.ColumnStride));
        Assert.Equal(7f, view.Data[0]);
        Assert.Equal(12f, view.Data[view.ColumnStride]);
        Assert.Equal(8f, view.Data[view.RowStride]);
    }

    [Fact]
    public void Products_of_matrices_that_do_not_fit_are_refused_with_their_shapes()
    {
        var shapes = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[6], 2, 3), MatrixView.RowMajor(new float[8], 4, 2),
                new MatrixSpan(new float[4], 2, 2), accumulate: false));
        Assert.Contains("A [2, 3] · B [4, 2] does not fit C [2, 2]", shapes.Message);

        var packed = new PackedMatrix(3, 8, 4);
        var depth = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[4], 1, 4), packed, new MatrixSpan(new float[8], 1, 8),
                accumulate: false));
        Assert.Contains("A [1, 4] · B [3, 0..8) does not fit C [1, 8]", depth.Message);

        var stridedB = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[4], 2, 2), MatrixView.RowMajor(new float[4], 2, 2).Transposed,
                new MatrixSpan(new float[4], 2, 2), accumulate: false));
        Assert.Contains("B must be row-major", stridedB.Message);

        var output = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyParallel(StridedMatrix.RowMajor(new float[4], 2, 2),
            StridedMatrix.RowMajor(new float[4], 2, 2), StridedMatrix.RowMajor(output, 2, 2).Transposed,
            accumulate: false, threads: 1));
    }
}
