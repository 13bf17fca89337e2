using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

internal static partial class Gemm
{
    /// <summary>The columns a unit slice of <see cref="MultiplyUnitSlice"/> must come in: one eight-vector row group.</summary>
    public static int UnitSliceAlignment => 8 * (VectorWidth.Use512 ? Vector512<float>.Count : Vector256<float>.Count);

    /// <summary>
    /// One row a [1, K] against units first..first+count of every gate block of a packed B [K, G·H]:
    /// <paramref name="compact"/> [G, count] (+)= the product, gate after gate, so a worker that owns those units of
    /// each gate holds its pre-activations side by side, as a cell of <paramref name="count"/> units lays them out.
    /// Each element is the same FMA chain (its starting value, then k ascending) as in the whole product, so the
    /// bits are those of <see cref="Multiply(MatrixView, PackedView, MatrixSpan, bool, bool)"/>'s one-row path.
    /// <paramref name="first"/> and <paramref name="count"/> are multiples of <see cref="UnitSliceAlignment"/>.
    /// </summary>
    public static void MultiplyUnitSlice(ReadOnlySpan<float> a, PackedMatrix b, int first, int count, Span<float> compact,
        bool descending)
    {
        var align = UnitSliceAlignment;
        var blocks = b.Columns / b.BlockWidth;
        if (first % align != 0 || count % align != 0 || first + count > b.BlockWidth || b.BlockWidth % b.PanelWidth != 0)
            throw new ArgumentException($"Units {first}..{first + count} of {b.BlockWidth} are not whole groups of {align}.");
        if (a.Length < b.Rows || compact.Length < blocks * count)
            throw new ArgumentException($"A [1, {a.Length}] or C [{compact.Length}] does not fit B [{b.Rows}, {b.Columns}].");
        var groups = count / align;
        for (var q = 0; q < blocks; q++)
        {
            var block = descending ? blocks - 1 - q : q;
            for (var g = 0; g < groups; g++)
            {
                var group = descending ? groups - 1 - g : g;
                var column = block * b.BlockWidth + first + group * align;
                // A group starts a panel: its width is a whole number of panels.
                ref var panel = ref b.Data[b.PanelOffset(column)];
                ref var c = ref compact[block * count + group * align];
                ref var a0 = ref Unsafe.AsRef(in a[0]);
                var stride = b.PanelWidth * b.Rows;
                if (VectorWidth.Use512)
                    Row8<Vector512Ops, Vector512<float>>(ref a0, b, ref panel, stride, ref c);
                else
                    Row8<Vector256Ops, Vector256<float>>(ref a0, b, ref panel, stride, ref c);
            }
        }
    }

    private static void Row8<TOps, TV>(ref float a, PackedMatrix b, ref float panel, int stride, ref float c)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        if (b.PanelWidth == 32)
            PackedRow8<TOps, TV, Panels32>(ref a, 1, ref panel, stride, ref c, b.Rows);
        else
            PackedRow8Narrow<TOps, TV>(ref a, 1, ref panel, stride, ref c, b.Rows);
    }
}
