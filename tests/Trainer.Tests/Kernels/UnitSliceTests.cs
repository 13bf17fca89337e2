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
                foreach (var (first, count) in new[] { (0, hidden), (0, hidden / 2), (hidden / 2, hidden / 2), (hidden - align, align) })
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
    public void A_slice_off_the_row_groups_is_refused()
    {
        var packed = new PackedMatrix(8, 4 * 256, 256);
        var align = Gemm.UnitSliceAlignment;
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyUnitSlice(new float[8], packed, 8, align, new float[4 * align], descending: false));
        Assert.Contains($"not whole groups of {align}", error.Message, StringComparison.Ordinal);
    }
}
