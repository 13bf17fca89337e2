using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Kernels;

internal static partial class Gemm
{
    /// <summary>
    /// C[:, first..first+count) (+)= A · B[:, first..first+count) for a packed B or a range of its gate blocks
    /// (<see cref="PackedView.ColumnRange"/>, whole blocks of <see cref="PackedMatrix.BlockWidth"/> columns); C spans
    /// all of B's columns. The same FMA chains as the unpacked product, so the results are bit-identical to it. With
    /// fewer rows than a tile, the panels are walked from the last to the first when <paramref name="descending"/> is
    /// set: a caller that runs one product per time step and alternates it finds the panels it touched last (still
    /// in cache) at the start of the next step. A product over some of B's rows only
    /// (<see cref="PackedView.RowRange"/>) reads as many columns of A.
    /// </summary>
    public static void Multiply(MatrixView a, PackedView b, MatrixSpan c, bool accumulate, bool descending = false)
    {
        if (a.Rows != c.Rows || a.Columns != b.RowCount || c.Columns < b.FirstColumn + b.ColumnCount)
            throw new ArgumentException($"A [{a.Rows}, {a.Columns}] · B [{b.RowCount}, {b.FirstColumn}.." +
                $"{b.FirstColumn + b.ColumnCount}) does not fit C [{c.Rows}, {c.Columns}].");
        PackedProduct(a.Data, a.RowStride, a.ColumnStride, b.Matrix, b.FirstColumn, b.ColumnCount, c.Data, c.RowStride,
            c.Rows, accumulate, descending, b.FirstRow, b.RowCount);
    }

    // The positional form of the product above: rows depthFirst..depthFirst+depth of B (all with depth −1).
    private static void PackedProduct(ReadOnlySpan<float> a, int aRowStride, int aColStride, PackedMatrix b, int first,
        int count, Span<float> c, int ldc, int m, bool accumulate, bool descending = false, int depthFirst = 0,
        int depth = -1)
    {
        if (first % b.BlockWidth != 0 || count % b.BlockWidth != 0 || first + count > b.Columns)
            throw new ArgumentException($"Columns {first}..{first + count} are not whole blocks of {b.BlockWidth}.");
        if (depth < 0)
            depth = b.Rows - depthFirst;
        if (depthFirst < 0 || depthFirst + depth > b.Rows)
            throw new ArgumentException($"Rows {depthFirst}..{depthFirst + depth} are outside B's {b.Rows}.");
        if (m == 0 || count == 0)
            return;
        if (depth == 0)
        {
            if (!accumulate)
                for (var i = 0; i < m; i++)
                    c.Slice(i * ldc + first, count).Clear();
            return;
        }
        CheckBounds(a.Length, aRowStride, aColStride, m, depth, nameof(a));
        CheckBounds(c.Length, ldc, 1, m, first + count, nameof(c));
        if (m >= RowBlock)
        {
            for (var j = first; j < first + count; j += b.PanelWidthAt(j))
            {
                var width = b.PanelWidthAt(j);
                Product(a, aRowStride, aColStride, b.Data.AsSpan(b.PanelOffset(j) + depthFirst * width, width * depth),
                    width, c[j..], ldc, m, width, depth, accumulate);
            }
            return;
        }
        if (m > 1)
        {
            MultiplyPaddedToTile(a, aRowStride, aColStride, b, first, count, c, ldc, m, accumulate, depthFirst, depth);
            return;
        }
        // Alternating the walk only pays when B cannot stay in L1 anyway (see KernelPlan.AlternateWalkAboveBytes).
        descending &= (long)b.Data.Length * sizeof(float) > KernelPlan.Active.AlternateWalkAboveBytes;
        var blocks = count / b.BlockWidth;
        for (var i = 0; i < m; i++)
        {
            var row = a[(i * aRowStride)..];
            var output = c[(i * ldc)..];
            for (var q = 0; q < blocks; q++)
            {
                var block = first + (descending ? blocks - 1 - q : q) * b.BlockWidth;
                if (VectorWidth.Use512)
                    PackedRowBlock<Vector512Ops, Vector512<float>>(row, aColStride, b, block, output, accumulate,
                        descending, depthFirst, depth);
                else
                    PackedRowBlock<Vector256Ops, Vector256<float>>(row, aColStride, b, block, output, accumulate,
                        descending, depthFirst, depth);
            }
        }
    }

    [ThreadStatic]
    private static float[]? _paddedA, _paddedC;

    // Two or three rows through the one-row kernel would each stream all of B; padded with zero rows to a four-row
    // tile they share one pass. The padding's products are thrown away and the kept rows' FMA chains are the same.
    private static void MultiplyPaddedToTile(ReadOnlySpan<float> a, int ars, int acs, PackedMatrix b, int first,
        int count, Span<float> c, int ldc, int m, bool accumulate, int depthFirst, int depth)
    {
        // Thread-static fields start null on every thread but the first.
        _paddedA ??= [];
        _paddedC ??= [];
        var paddedA = Workspace.Ensure(ref _paddedA!, RowBlock * depth).AsSpan(0, RowBlock * depth);
        var paddedC = Workspace.Ensure(ref _paddedC!, RowBlock * b.Columns);
        paddedA.Clear();
        for (var i = 0; i < m; i++)
        {
            for (var p = 0; p < depth; p++)
                paddedA[i * depth + p] = a[i * ars + p * acs];
            c.Slice(i * ldc + first, count).CopyTo(paddedC.AsSpan(i * b.Columns + first, count));
        }
        PackedProduct(paddedA, depth, 1, b, first, count, paddedC, b.Columns, RowBlock, accumulate, depthFirst: depthFirst,
            depth: depth);
        for (var i = 0; i < m; i++)
            paddedC.AsSpan(i * b.Columns + first, count).CopyTo(c.Slice(i * ldc + first, count));
    }

    // One row of A against one block of packed columns: groups of panels eight vectors wide (eight independent FMA
    // chains, one stream per panel), then the panels left over one at a time.
    private static void PackedRowBlock<TOps, TV>(ReadOnlySpan<float> a, int acs, PackedMatrix b, int block,
        Span<float> c, bool accumulate, bool descending, int depthFirst, int k)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var groupWidth = 8 * TOps.Count;
        var fullPanels = b.BlockWidth & -b.PanelWidth; // whole panels; the width is a power of two (no division per call)
        var groups = fullPanels / groupWidth;
        if (!accumulate)
            c.Slice(block, b.BlockWidth).Clear();
        ref var a0 = ref Unsafe.AsRef(in a[0]);
        for (var q = 0; q < groups; q++)
        {
            var j = block + (descending ? groups - 1 - q : q) * groupWidth;
            ref var panel = ref b.Data[b.PanelOffset(j) + depthFirst * b.PanelWidth];
            if (b.PanelWidth == 32)
                PackedRow8<TOps, TV, Panels32>(ref a0, acs, ref panel, b.PanelWidth * b.Rows, ref c[j], k);
            else
                PackedRow8Narrow<TOps, TV>(ref a0, acs, ref panel, b.PanelWidth * b.Rows, ref c[j], k);
        }
        for (var j = block + groups * groupWidth; j < block + b.BlockWidth; j += b.PanelWidthAt(j))
        {
            var width = b.PanelWidthAt(j);
            Product(a, 0, acs, b.Data.AsSpan(b.PanelOffset(j) + depthFirst * width, width * k), width, c[j..], 0, 1,
                width, k, accumulate: true);
        }
    }

    // The panel width as a type argument, so the row kernel's offsets and strides are constants in its compiled copy
    // (a run-time width cost batch-1 inference about 8% at H = 128).
    private interface IPanelWidth
    {
        static abstract int Value { get; }
    }

    private readonly struct Panels32 : IPanelWidth
    {
        public static int Value => 32;
    }

    private readonly struct Panels16 : IPanelWidth
    {
        public static int Value => 16;
    }

    // 16-column panels (a 256-bit machine's) through a call of their own, so the 32-column copy inlined above keeps
    // the register allocation it has alone.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackedRow8Narrow<TOps, TV>(ref float a, int acs, ref float b, int panelStride, ref float c, int k)
        where TOps : struct, IVectorOps<TV>
        where TV : struct =>
        PackedRow8<TOps, TV, Panels16>(ref a, acs, ref b, panelStride, ref c, k);

    // Eight vectors of columns spread over consecutive full panels: vector v reads panel v·w/pw at column v·w mod pw.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackedRow8<TOps, TV, TPanel>(ref float a, int acs, ref float b, int panelStride, ref float c,
        int k)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
        where TPanel : struct, IPanelWidth
    {
        nint w = TOps.Count, pw = TPanel.Value;
        nint Offset(nint v) => v * w / pw * panelStride + v * w % pw;
        nint o0 = Offset(0), o1 = Offset(1), o2 = Offset(2), o3 = Offset(3);
        nint o4 = Offset(4), o5 = Offset(5), o6 = Offset(6), o7 = Offset(7);
        TV c0 = TOps.Load(ref c, 0), c1 = TOps.Load(ref c, w), c2 = TOps.Load(ref c, 2 * w), c3 = TOps.Load(ref c, 3 * w);
        TV c4 = TOps.Load(ref c, 4 * w), c5 = TOps.Load(ref c, 5 * w), c6 = TOps.Load(ref c, 6 * w), c7 = TOps.Load(ref c, 7 * w);
        for (var p = 0; p < k; p++)
        {
            var ap = TOps.Broadcast(Unsafe.Add(ref a, (nint)p * acs));
            ref var bp = ref Unsafe.Add(ref b, (nint)p * pw);
            c0 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o0), c0);
            c1 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o1), c1);
            c2 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o2), c2);
            c3 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o3), c3);
            c4 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o4), c4);
            c5 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o5), c5);
            c6 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o6), c6);
            c7 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, o7), c7);
        }
        TOps.Store(c0, ref c, 0); TOps.Store(c1, ref c, w); TOps.Store(c2, ref c, 2 * w); TOps.Store(c3, ref c, 3 * w);
        TOps.Store(c4, ref c, 4 * w); TOps.Store(c5, ref c, 5 * w); TOps.Store(c6, ref c, 6 * w); TOps.Store(c7, ref c, 7 * w);
    }
}
