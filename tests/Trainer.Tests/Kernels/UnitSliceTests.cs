using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// A worker that owns some units of every gate block multiplies one row against just those columns
/// (<see cref="Gemm.MultiplyUnitSlice"/>): each element must be the whole one-row product's bits, whatever the
/// slice, panel width, vector width or walking order.
/// </summary>
public class UnitSliceTests
{
    [Theory]
    [InlineData(512, 576, 16)]
    [InlineData(512, 576, 32)]
    [InlineData(256, 37, 16)]
    [InlineData(128, 300, 32)]
    [InlineData(128, 156, 16)]
    [InlineData(16, 28, 32)]
    [InlineData(37, 50, 32)]
    public void Every_slice_of_units_gives_the_whole_products_bits(int hidden, int k, int panelWidth)
    {
        var n = 4 * hidden;
        var w = KernelData.Random(n * k, 31);
        var a = KernelData.Random(k, 32);
        var bias = KernelData.Random(n, 33);
        var packed = new PackedMatrix(k, n, hidden, panelWidth);
        packed.PackTransposeOf(w);
        foreach (var narrow in new[] { false, true })
        {
            VectorWidth.Force256 = narrow;
            try
            {
                var whole = bias.ToArray();
                Gemm.Multiply(MatrixView.RowMajor(a, 1, k), packed, new MatrixSpan(whole, 1, n), accumulate: true);
                var align = Gemm.UnitSliceAlignment;
                // Whole groups, halves (at H = 128 on AVX-512 and H = 16 narrower than a group, at H = 37 uneven), a
                // group at the end, and slices that start and end inside panels.
                (int, int)[] slices = [(0, hidden), (0, hidden / 2), (hidden / 2, hidden - hidden / 2), (1, hidden - 2),
                    (hidden / 2 - 1, 3), .. hidden >= align ? new[] { (hidden - align, align) } : []];
                foreach (var (first, count) in slices)
                {
                    foreach (var descending in new[] { false, true })
                    {
                        var compact = new float[4 * count];
                        for (var g = 0; g < 4; g++)
                            bias.AsSpan(g * hidden + first, count).CopyTo(compact.AsSpan(g * count));
                        Gemm.MultiplyUnitSlice(a, packed, first, count, compact, descending);
                        for (var g = 0; g < 4; g++)
                            Assert.Equal(whole.AsSpan(g * hidden + first, count).ToArray(), compact.AsSpan(g * count, count).ToArray());
                    }
                }
            }
            finally
            {
                VectorWidth.Force256 = false;
            }
        }
    }

    [Fact]
    public void A_slice_outside_a_gate_block_is_refused()
    {
        var packed = new PackedMatrix(8, 4 * 64, 64);
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyUnitSlice(new float[8], packed, 48, 32, new float[4 * 32], descending: false));
        Assert.Contains("Units 48..80 are not within a gate block of 64", error.Message, StringComparison.Ordinal);
    }
}
