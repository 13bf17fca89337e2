using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

internal static partial class Gemm
{
    /// <summary>The columns of one eight-vector row group, which <see cref="MultiplyUnitSlice"/> runs through the whole
    /// product's row kernel where a slice holds whole groups (narrower parts go panel segment by panel segment).</summary>
    public static int UnitSliceAlignment => 8 * (VectorWidth.Use512 ? Vector512<float>.Count : Vector256<float>.Count);

    /// <summary>
    /// One row a [1, K] against units first..first+count of every gate block of a packed B [K, G·H]:
    /// <paramref name="compact"/> [G, count] += the product, gate after gate, so a worker that owns those units of
    /// each gate holds its pre-activations side by side, as a cell of <paramref name="count"/> units lays them out.
    /// Each element is the same FMA chain (its starting value, then k ascending) as in the whole product, so the
    /// bits are those of <see cref="Multiply(MatrixView, PackedView, MatrixSpan, bool, bool)"/>'s one-row path.
    /// Whole eight-vector groups (at multiples of <see cref="UnitSliceAlignment"/> from the block's start) run the
    /// whole product's row kernel; the rest of the slice (H = 128 halves on AVX-512: 64 columns, two panels of 32;
    /// H = 16 halves: 8 columns, half a panel) runs through the general product, panel segment by panel segment,
    /// whose elements are the same chains.
    /// </summary>
    public static void MultiplyUnitSlice(ReadOnlySpan<float> a, PackedMatrix b, int first, int count, Span<float> compact,
        bool descending)
    {
        var blocks = b.Columns / b.BlockWidth;
        if (first < 0 || count <= 0 || first + count > b.BlockWidth)
            throw new ArgumentException($"Units {first}..{first + count} are not within a gate block of {b.BlockWidth}.");
        if (a.Length < b.Rows || compact.Length < blocks * count)
            throw new ArgumentException($"A [1, {a.Length}] or C [{compact.Length}] does not fit B [{b.Rows}, {b.Columns}].");
        var align = UnitSliceAlignment;
        var fullPanels = b.BlockWidth / b.PanelWidth * b.PanelWidth;
        ref var a0 = ref Unsafe.AsRef(in a[0]);
        var stride = b.PanelWidth * b.Rows;
        for (var q = 0; q < blocks; q++)
        {
            var block = (descending ? blocks - 1 - q : q) * b.BlockWidth;
            for (var unit = first; unit < first + count;)
            {
                var column = block + unit;
                ref var c = ref compact[(column / b.BlockWidth) * count + unit - first];
                if (unit % align == 0 && unit + align <= first + count && unit + align <= fullPanels)
                {
                    // A group starts a panel: its width is a whole number of panels.
                    ref var panel = ref b.Data[b.PanelOffset(column)];
                    if (VectorWidth.Use512)
                        Row8<Vector512Ops, Vector512<float>>(ref a0, b, ref panel, stride, ref c);
                    else
                        Row8<Vector256Ops, Vector256<float>>(ref a0, b, ref panel, stride, ref c);
                    unit += align;
                    continue;
                }
                // The panel holding this unit, from the unit to the panel's or the slice's end.
                var panelStart = block + unit / b.PanelWidth * b.PanelWidth;
                var width = b.PanelWidthAt(panelStart);
                var segment = Math.Min(panelStart + width, block + first + count) - column;
                Product(a, 0, 1, b.Data.AsSpan(b.PanelOffset(panelStart) + column - panelStart), width,
                    compact[((column / b.BlockWidth) * count + unit - first)..], 0, 1, segment, b.Rows, accumulate: true);
                unit += segment;
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
