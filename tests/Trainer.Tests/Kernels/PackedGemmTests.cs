using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// The product with a packed Wᵀ: every element must be bit-identical to the unpacked product (the same FMA chain),
/// whatever the block width, panel tails, row count, gate range, walking order or vector width.
/// </summary>
public class PackedGemmTests
{
    public static TheoryData<int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool>();
        // rows m, block width (hidden), depth k: tails of every size, a block narrower than a panel, 4H = 2048.
        foreach (var (m, blockWidth, k) in new[] { (1, 1, 1), (1, 7, 17), (2, 17, 33), (3, 33, 7), (4, 100, 28),
                     (7, 128, 64), (9, 48, 513), (64, 512, 64), (1, 512, 128), (17, 130, 3) })
        {
            foreach (var narrow in new[] { false, true })
                data.Add(m, blockWidth, k, narrow);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_unpacked_product_bit_for_bit_over_every_gate_range_and_order(int m, int blockWidth, int k, bool narrow)
    {
        const int blocks = 4;
        var n = blocks * blockWidth;
        var w = KernelData.Random(n * k, 1);
        var a = KernelData.Random(m * k, 2);
        var initial = KernelData.Random(m * n, 3);
        var transposed = new float[k * n];
        for (var j = 0; j < n; j++)
        {
            for (var p = 0; p < k; p++)
                transposed[p * n + j] = w[j * k + p];
        }
        var packed = new PackedMatrix(k, n, blockWidth);
        packed.PackTransposeOf(w);
        VectorWidth.Force256 = narrow;
        try
        {
            foreach (var (first, count) in new[] { (0, n), (blockWidth, 2 * blockWidth), (3 * blockWidth, blockWidth) })
            {
                var expected = (float[])initial.Clone();
                Gemm.Multiply(MatrixView.RowMajor(a, m, k), MatrixView.RowMajor(transposed.AsSpan(first), k, count, n),
                    new MatrixSpan(expected.AsSpan(first), m, count, n), accumulate: true);
                foreach (var descending in new[] { false, true })
                {
                    var actual = (float[])initial.Clone();
                    Gemm.Multiply(MatrixView.RowMajor(a, m, k), packed.ColumnRange(first, count), new MatrixSpan(actual, m, n),
                        accumulate: true, descending);
                    Assert.Equal(expected, actual);
                }
                // A and C one element off their arrays' starts: unaligned spans give the same bits.
                var shiftedA = new float[a.Length + 1];
                a.CopyTo(shiftedA, 1);
                var shiftedC = new float[initial.Length + 1];
                initial.CopyTo(shiftedC, 1);
                Gemm.Multiply(MatrixView.RowMajor(shiftedA.AsSpan(1), m, k), packed.ColumnRange(first, count),
                    new MatrixSpan(shiftedC.AsSpan(1), m, n), accumulate: true);
                Assert.Equal(expected, shiftedC[1..]);
            }
        }
        finally
        {
            VectorWidth.Force256 = false;
        }
    }

    [Theory]
    [InlineData(1, 37, false)]
    [InlineData(2, 37, true)]
    [InlineData(5, 64, false)]
    [InlineData(17, 100, true)]
    public void A_range_of_B_rows_matches_the_unpacked_product_over_those_rows(int m, int hidden, bool narrow)
    {
        // ∂L/∂z [m, 3H] · W_hh[rows first..first+count, :] as the GRU's backward takes it, W_hh packed row-major.
        var k = 3 * hidden;
        var w = KernelData.Random(k * hidden, 6);
        var gradient = KernelData.Random(m * k, 7);
        var packed = new PackedMatrix(k, hidden, hidden);
        packed.Pack(w);
        VectorWidth.Force256 = narrow;
        try
        {
            foreach (var (first, count) in new[] { (0, k), (2 * hidden, hidden), (0, 2 * hidden), (5, 3) })
            {
                var expected = new float[m * hidden];
                Gemm.Multiply(MatrixView.RowMajor(gradient, m, k).ColumnRange(first, count),
                    MatrixView.RowMajor(w.AsSpan(first * hidden), count, hidden), new MatrixSpan(expected, m, hidden),
                    accumulate: false);
                var actual = KernelData.Random(m * hidden, 8);
                Gemm.Multiply(MatrixView.RowMajor(gradient, m, k).ColumnRange(first, count), packed.RowRange(first, count),
                    new MatrixSpan(actual, m, hidden), accumulate: false);
                Assert.Equal(expected, actual);
            }
        }
        finally
        {
            VectorWidth.Force256 = false;
        }
    }

    [Fact]
    public void Packing_B_equals_packing_the_transpose_of_its_transpose()
    {
        const int k = 19, n = 70;
        var b = KernelData.Random(k * n, 9);
        var transposed = new float[n * k];
        for (var p = 0; p < k; p++)
        {
            for (var j = 0; j < n; j++)
                transposed[j * k + p] = b[p * n + j];
        }
        var (direct, viaTranspose) = (new PackedMatrix(k, n, 35), new PackedMatrix(k, n, 35));
        direct.Pack(b);
        viaTranspose.PackTransposeOf(transposed);
        Assert.Equal(viaTranspose.Panels.ToArray(), direct.Panels.ToArray());
    }

    [Fact]
    public void Stacking_two_transposes_equals_packing_the_transpose_of_the_side_by_side_matrix()
    {
        // [W_1ᵀ ; W_2ᵀ] with W_1 [n, 7] and W_2 [n, 12] is the transpose of [W_1 | W_2], [n, 19].
        const int n = 70, k1 = 7, k2 = 12;
        var (w1, w2) = (KernelData.Random(n * k1, 10), KernelData.Random(n * k2, 11));
        var sideBySide = new float[n * (k1 + k2)];
        for (var j = 0; j < n; j++)
        {
            w1.AsSpan(j * k1, k1).CopyTo(sideBySide.AsSpan(j * (k1 + k2)));
            w2.AsSpan(j * k2, k2).CopyTo(sideBySide.AsSpan(j * (k1 + k2) + k1));
        }
        var (stacked, whole) = (new PackedMatrix(k1 + k2, n, 35), new PackedMatrix(k1 + k2, n, 35));
        stacked.PackTransposeOf(w1, 0, k1);
        stacked.PackTransposeOf(w2, k1, k2);
        whole.PackTransposeOf(sideBySide);
        Assert.Equal(whole.Panels.ToArray(), stacked.Panels.ToArray());
        var outside = Assert.Throws<ArgumentException>(() => stacked.PackTransposeOf(w2, k1 + 1, k2));
        Assert.Contains("Rows 8..20 are outside B's 19", outside.Message);
        Assert.Throws<ArgumentException>(() => stacked.PackTransposeOf(w1, 0, k2));
    }

    [Fact]
    public void Without_accumulate_the_range_is_overwritten_and_the_rest_left_alone()
    {
        const int k = 5, blockWidth = 40, n = 3 * blockWidth;
        var packed = new PackedMatrix(k, n, blockWidth);
        packed.PackTransposeOf(KernelData.Random(n * k, 4));
        var a = KernelData.Random(2 * k, 5);
        var c = Enumerable.Repeat(7f, 2 * n).ToArray();
        Gemm.Multiply(MatrixView.RowMajor(a, 2, k), packed.ColumnRange(blockWidth, blockWidth), new MatrixSpan(c, 2, n),
            accumulate: false);
        var fresh = new float[2 * n];
        Gemm.Multiply(MatrixView.RowMajor(a, 2, k), packed.ColumnRange(blockWidth, blockWidth), new MatrixSpan(fresh, 2, n),
            accumulate: true);
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < n; j++)
                Assert.Equal(j >= blockWidth && j < 2 * blockWidth ? fresh[i * n + j] : 7f, c[i * n + j]);
        }
    }

    [Fact]
    public void A_range_that_splits_a_block_is_refused()
    {
        var packed = new PackedMatrix(3, 20, 10);
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[3], 1, 3), packed.ColumnRange(5, 10), new MatrixSpan(new float[20], 1, 20),
                accumulate: false));
        Assert.Contains("Columns 5..15 are not whole blocks of 10", error.Message);
        Assert.Throws<ArgumentException>(() => new PackedMatrix(3, 25, 10));
        var rows = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[3], 1, 2, 3), packed.ColumnRange(0, 10).RowRange(2, 2),
                new MatrixSpan(new float[20], 1, 20), accumulate: false));
        Assert.Contains("Rows 2..4 are outside B's 3", rows.Message);
    }
}
