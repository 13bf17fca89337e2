using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// Single-precision matrix products C (+)= op(A) · B on spans. B and C are row-major; A is read through a row and
/// a column stride, so Aᵀ costs nothing. Every element of C is one FMA chain over k in ascending order, whatever
/// the blocking or the thread split, which keeps results bit-identical across thread counts.
/// </summary>
internal static partial class Gemm
{
    private const int RowBlock = 4;

    /// <summary>
    /// C[i, j] = (accumulate ? C[i, j] : 0) + Σ_k A(i, k) · B[k, j], where A(i, k) = a[i·aRowStride + k·aColStride],
    /// B[k, j] = b[k·ldb + j] and C[i, j] = c[i·ldc + j].
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0)
            return;
        if (!accumulate)
        {
            for (var i = 0; i < m; i++)
                c.Slice(i * ldc, n).Clear();
        }
        if (k == 0)
            return;
        CheckBounds(a.Length, aRowStride, aColStride, m, k, nameof(a));
        CheckBounds(b.Length, ldb, 1, k, n, nameof(b));
        CheckBounds(c.Length, ldc, 1, m, n, nameof(c));

        ref var a0 = ref Unsafe.AsRef(in a[0]);
        ref var b0 = ref Unsafe.AsRef(in b[0]);
        ref var c0 = ref c[0];
        var plan = KernelPlan.Active;
        var depthBlock = plan.DepthBlock;
        for (var k0 = 0; k0 < k; k0 += depthBlock)
        {
            var kc = Math.Min(depthBlock, k - k0);
            ref var aBlock = ref Unsafe.Add(ref a0, (nint)k0 * aColStride);
            ref var bBlock = ref Unsafe.Add(ref b0, (nint)k0 * ldb);
            if (VectorWidth.Use512)
                MultiplyBlock<Vector512Ops, Vector512<float>>(ref aBlock, aRowStride, aColStride, ref bBlock, ldb, ref c0, ldc, m, n, kc, plan);
            else
                MultiplyBlock<Vector256Ops, Vector256<float>>(ref aBlock, aRowStride, aColStride, ref bBlock, ldb, ref c0, ldc, m, n, kc, plan);
        }
    }

    /// <summary>
    /// The same product with the rows of C split across <paramref name="threads"/> workers when the product is large
    /// enough to pay for the hand-off.
    /// </summary>
    public static void MultiplyParallel(float[] a, int aRowStride, int aColStride, float[] b, int ldb,
        float[] c, int ldc, int m, int n, int k, bool accumulate, int threads, int aOffset = 0, int bOffset = 0,
        int cOffset = 0) =>
        SplitRows(m, (long)m * n * k, threads, (first, rows) =>
            Multiply(a.AsSpan(aOffset + first * aRowStride), aRowStride, aColStride, b.AsSpan(bOffset), ldb,
                c.AsSpan(cOffset + first * ldc), ldc, rows, n, k, accumulate));

    /// <summary>The packed product over all of B's columns, rows split as in the unpacked one.</summary>
    public static void MultiplyParallel(float[] a, int aRowStride, int aColStride, PackedMatrix b, float[] c, int ldc,
        int m, bool accumulate, int threads, int aOffset = 0) =>
        SplitRows(m, (long)m * b.Columns * b.Rows, threads, (first, rows) =>
            Multiply(a.AsSpan(aOffset + first * aRowStride), aRowStride, aColStride, b, 0, b.Columns,
                c.AsSpan(first * ldc), ldc, rows, accumulate));

    // Runs body(first, rows) over the m rows, split into tile-aligned parts when the work pays for the hand-off.
    private static void SplitRows(int m, long work, int threads, Action<int, int> body)
    {
        var parts = Math.Min(threads, Math.Max(1, m / 16));
        if (parts <= 1 || work < 1 << 18)
        {
            body(0, m);
            return;
        }
        var rowsPerPart = (m + parts - 1) / parts;
        rowsPerPart = (rowsPerPart + RowBlock - 1) / RowBlock * RowBlock;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var first = part * rowsPerPart;
            var rows = Math.Min(rowsPerPart, m - first);
            if (rows > 0)
                body(first, rows);
        });
    }

    private static void CheckBounds(int length, int rowStride, int colStride, int rows, int cols, string name)
    {
        var last = (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride;
        if (last >= length)
            throw new ArgumentException($"Matrix {name} needs {last + 1} elements but has {length}.", name);
    }

    // One depth block: tiles of eight (then four) rows by two vectors of columns (over row blocks of a packed copy
    // of A when A is read transposed), tiles of one vector of columns, 256-bit ones after 512-bit ones, a scalar
    // column tail, and the rows left over after the tiles one at a time.
    private static void MultiplyBlock<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int m, int n, int kc, KernelPlan plan)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = TOps.Count;
        var fullRows = m / RowBlock * RowBlock;
        var wide = n / (2 * width) * (2 * width);
        if (wide > 0 && fullRows > 0)
        {
            if (acs != 1 && plan.PacksTransposedA(acs) && fullRows >= 2 * RowBlock && wide >= PackedAPanels * 2 * width)
            {
                for (var i0 = 0; i0 < fullRows; i0 += plan.PackedARows)
                {
                    var rows = Math.Min(plan.PackedARows, fullRows - i0);
                    var packedA = PackRowTiles(ref Unsafe.Add(ref a, (nint)i0 * ars), ars, acs, rows, kc, plan);
                    WideColumns<TOps, TV>(ref packedA[0], 0, 0, ref b, ldb, ref Unsafe.Add(ref c, (nint)i0 * ldc), ldc,
                        rows, wide, kc, plan);
                }
            }
            else
            {
                WideColumns<TOps, TV>(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, wide, kc, plan);
            }
        }
        var j = NarrowColumns<TOps, TV>(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, wide, n, kc);
        if (width > Vector256<float>.Count)
            j = NarrowColumns<Vector256Ops, Vector256<float>>(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, j, n, kc);
        if (j < n)
            ScalarColumns(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, j, n, kc);
        for (var i = fullRows; i < m; i++)
            SingleRow<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref b, ldb, ref Unsafe.Add(ref c, (nint)i * ldc), n, kc);
    }

    // The first `wide` columns (whole pairs of vectors) of `rows` rows, a whole number of four-row tiles. With
    // ars = 0 A is a packed copy from PackRowTiles: the tile at row i starts at i·kc and holds its rows side by side.
    private static void WideColumns<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int rows, int wide, int kc, KernelPlan plan)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = TOps.Count;
        var packedA = ars == 0;
        var eightRows = plan.TileRows == 2 * RowBlock;
        var pack = rows >= PackedPanelRows && ldb != 2 * width;
        var panel = pack ? PanelBuffer(kc * 2 * width) : [];
        for (var j = 0; j < wide; j += 2 * width)
        {
            ref var bj = ref Unsafe.Add(ref b, j);
            var stride = ldb;
            if (pack)
            {
                PackPanel<TOps, TV>(ref bj, ldb, panel, kc);
                bj = ref panel[0];
                stride = 2 * width;
            }
            var i = 0;
            for (; eightRows && i + 2 * RowBlock <= rows; i += 2 * RowBlock)
            {
                if (packedA)
                    Tile8<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * kc), 1, 2 * RowBlock, ref bj, stride,
                        ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
                else
                    Tile8<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref bj, stride,
                        ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
            }
            for (; i < rows; i += RowBlock)
            {
                if (packedA)
                    Tile4<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * kc), 1, RowBlock, ref bj, stride,
                        ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
                else
                    Tile4<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref bj, stride,
                        ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
            }
        }
    }

    // Columns from j on, one vector at a time, for the first `rows` rows (whole four-row tiles): eight (four) rows
    // per pass, so eight independent FMA chains instead of one. Returns where it stopped.
    private static int NarrowColumns<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int rows, int j, int n, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = TOps.Count;
        for (; j + width <= n; j += width)
        {
            var i = 0;
            for (; i + 2 * RowBlock <= rows; i += 2 * RowBlock)
                Tile8x1<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
            for (; i < rows; i += RowBlock)
                Tile4x1<TOps, TV>(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
        }
        return j;
    }

    // With this many rows a tile column reuses its strip of B often enough to pay for copying it first.
    private const int PackedPanelRows = 16;

    // A packed copy of A is shared by this many column panels at least (H = 256's dW_hh; at H = 128, four panels,
    // the copy lost by 12-25% on the AMD EPYC).
    private const int PackedAPanels = 8;

    [ThreadStatic]
    private static float[]? _panelBuffer, _packedA;

    private static float[] PanelBuffer(int length)
    {
        if (_panelBuffer is null || _panelBuffer.Length < length)
            _panelBuffer = new float[length];
        return _panelBuffer;
    }

    // Copies `rows` rows of A (a whole number of four-row tiles), kc deep, as the plan's tiles (eight rows and a last
    // four-row one, or four-row ones) back to back, each holding its rows' elements of one k side by side: the tiles then read A as one stream.
    private static float[] PackRowTiles(ref float a, int ars, int acs, int rows, int kc, KernelPlan plan)
    {
        var length = plan.PackedARows * kc;
        if (_packedA is null || _packedA.Length < length)
            _packedA = new float[length];
        ref var destination = ref _packedA[0];
        for (var i = 0; i < rows;)
        {
            var height = plan.TileRows == 2 * RowBlock && i + 2 * RowBlock <= rows ? 2 * RowBlock : RowBlock;
            ref var tile = ref Unsafe.Add(ref destination, (nint)i * kc);
            ref var source = ref Unsafe.Add(ref a, (nint)i * ars);
            if (ars == 1 && height == 2 * RowBlock)
            {
                for (var p = 0; p < kc; p++)
                    Vector256.LoadUnsafe(ref Unsafe.Add(ref source, (nint)p * acs))
                        .StoreUnsafe(ref Unsafe.Add(ref tile, (nint)p * height));
            }
            else if (ars == 1)
            {
                for (var p = 0; p < kc; p++)
                    Vector128.LoadUnsafe(ref Unsafe.Add(ref source, (nint)p * acs))
                        .StoreUnsafe(ref Unsafe.Add(ref tile, (nint)p * height));
            }
            else
            {
                for (var p = 0; p < kc; p++)
                {
                    for (var r = 0; r < height; r++)
                        Unsafe.Add(ref tile, (nint)p * height + r) = Unsafe.Add(ref source, (nint)r * ars + (nint)p * acs);
                }
            }
            i += height;
        }
        return _packedA;
    }

    // Copies B's strip of two vectors of columns, kc rows, into a contiguous buffer: rows of B a matrix width apart
    // fall into a few cache sets and evict each other while the tiles walk down k, the copy's rows do not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackPanel<TOps, TV>(ref float b, int ldb, float[] panel, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count;
        ref var destination = ref panel[0];
        for (var p = 0; p < kc; p++)
        {
            ref var row = ref Unsafe.Add(ref b, (nint)p * ldb);
            TOps.Store(TOps.Load(ref row, 0), ref destination, 2 * w * p);
            TOps.Store(TOps.Load(ref row, w), ref destination, 2 * w * p + w);
        }
    }

    // A row left over after the tiles (all of batch-1 inference): eight vectors of columns at a time, so eight
    // independent FMA chains hide the latency that a single chain would wait on.
    private static void SingleRow<TOps, TV>(ref float a, int acs, ref float b, int ldb, ref float c, int n, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = TOps.Count;
        var j = 0;
        for (; j + 8 * width <= n; j += 8 * width)
            Row8<TOps, TV>(ref a, acs, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), kc);
        for (; j + width <= n; j += width)
            Column<TOps, TV>(ref a, acs, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), kc);
        if (width > Vector256<float>.Count && j + Vector256<float>.Count <= n)
        {
            Column<Vector256Ops, Vector256<float>>(ref a, acs, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), kc);
            j += Vector256<float>.Count;
        }
        ScalarColumns(ref a, 0, acs, ref b, ldb, ref c, 0, 1, j, n, kc);
    }

    // Eight rows by two vectors of columns: sixteen accumulators, enough independent FMA chains to keep two vector
    // FMA units busy through their latency, and two loads of B serve sixteen FMAs. The loop only advances references
    // (no index arithmetic) and the rows are addressed from two bases with three strides, so every pointer stays in
    // a register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count, l1 = ldc, l2 = 2 * (nint)ldc, l3 = 3 * (nint)ldc;
        ref var cUpper = ref Unsafe.Add(ref c, 4 * l1);
        TV c00 = TOps.Load(ref c, 0), c01 = TOps.Load(ref c, w);
        TV c10 = TOps.Load(ref c, l1), c11 = TOps.Load(ref c, l1 + w);
        TV c20 = TOps.Load(ref c, l2), c21 = TOps.Load(ref c, l2 + w);
        TV c30 = TOps.Load(ref c, l3), c31 = TOps.Load(ref c, l3 + w);
        TV c40 = TOps.Load(ref cUpper, 0), c41 = TOps.Load(ref cUpper, w);
        TV c50 = TOps.Load(ref cUpper, l1), c51 = TOps.Load(ref cUpper, l1 + w);
        TV c60 = TOps.Load(ref cUpper, l2), c61 = TOps.Load(ref cUpper, l2 + w);
        TV c70 = TOps.Load(ref cUpper, l3), c71 = TOps.Load(ref cUpper, l3 + w);
        nint r1 = ars, r2 = 2 * (nint)ars, r3 = 3 * (nint)ars;
        ref var ap = ref a;
        ref var aUpper = ref Unsafe.Add(ref a, 4 * r1);
        ref var bp = ref b;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(ref bp, 0);
            var b1 = TOps.Load(ref bp, w);
            var a0 = TOps.Broadcast(ap);
            c00 = TOps.MultiplyAdd(a0, b0, c00); c01 = TOps.MultiplyAdd(a0, b1, c01);
            var a1 = TOps.Broadcast(Unsafe.Add(ref ap, r1));
            c10 = TOps.MultiplyAdd(a1, b0, c10); c11 = TOps.MultiplyAdd(a1, b1, c11);
            var a2 = TOps.Broadcast(Unsafe.Add(ref ap, r2));
            c20 = TOps.MultiplyAdd(a2, b0, c20); c21 = TOps.MultiplyAdd(a2, b1, c21);
            var a3 = TOps.Broadcast(Unsafe.Add(ref ap, r3));
            c30 = TOps.MultiplyAdd(a3, b0, c30); c31 = TOps.MultiplyAdd(a3, b1, c31);
            var a4 = TOps.Broadcast(aUpper);
            c40 = TOps.MultiplyAdd(a4, b0, c40); c41 = TOps.MultiplyAdd(a4, b1, c41);
            var a5 = TOps.Broadcast(Unsafe.Add(ref aUpper, r1));
            c50 = TOps.MultiplyAdd(a5, b0, c50); c51 = TOps.MultiplyAdd(a5, b1, c51);
            var a6 = TOps.Broadcast(Unsafe.Add(ref aUpper, r2));
            c60 = TOps.MultiplyAdd(a6, b0, c60); c61 = TOps.MultiplyAdd(a6, b1, c61);
            var a7 = TOps.Broadcast(Unsafe.Add(ref aUpper, r3));
            c70 = TOps.MultiplyAdd(a7, b0, c70); c71 = TOps.MultiplyAdd(a7, b1, c71);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap = ref Unsafe.Add(ref ap, acs);
            aUpper = ref Unsafe.Add(ref aUpper, acs);
        }
        TOps.Store(c00, ref c, 0); TOps.Store(c01, ref c, w);
        TOps.Store(c10, ref c, l1); TOps.Store(c11, ref c, l1 + w);
        TOps.Store(c20, ref c, l2); TOps.Store(c21, ref c, l2 + w);
        TOps.Store(c30, ref c, l3); TOps.Store(c31, ref c, l3 + w);
        TOps.Store(c40, ref cUpper, 0); TOps.Store(c41, ref cUpper, w);
        TOps.Store(c50, ref cUpper, l1); TOps.Store(c51, ref cUpper, l1 + w);
        TOps.Store(c60, ref cUpper, l2); TOps.Store(c61, ref cUpper, l2 + w);
        TOps.Store(c70, ref cUpper, l3); TOps.Store(c71, ref cUpper, l3 + w);
    }

    // Four rows by two vectors of columns, for the rows an eight-row tile does not cover.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count, l1 = ldc, l2 = 2 * (nint)ldc, l3 = 3 * (nint)ldc;
        TV c00 = TOps.Load(ref c, 0), c01 = TOps.Load(ref c, w);
        TV c10 = TOps.Load(ref c, l1), c11 = TOps.Load(ref c, l1 + w);
        TV c20 = TOps.Load(ref c, l2), c21 = TOps.Load(ref c, l2 + w);
        TV c30 = TOps.Load(ref c, l3), c31 = TOps.Load(ref c, l3 + w);
        nint r1 = ars, r2 = 2 * (nint)ars, r3 = 3 * (nint)ars;
        ref var ap = ref a;
        ref var bp = ref b;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(ref bp, 0);
            var b1 = TOps.Load(ref bp, w);
            var a0 = TOps.Broadcast(ap);
            c00 = TOps.MultiplyAdd(a0, b0, c00); c01 = TOps.MultiplyAdd(a0, b1, c01);
            var a1 = TOps.Broadcast(Unsafe.Add(ref ap, r1));
            c10 = TOps.MultiplyAdd(a1, b0, c10); c11 = TOps.MultiplyAdd(a1, b1, c11);
            var a2 = TOps.Broadcast(Unsafe.Add(ref ap, r2));
            c20 = TOps.MultiplyAdd(a2, b0, c20); c21 = TOps.MultiplyAdd(a2, b1, c21);
            var a3 = TOps.Broadcast(Unsafe.Add(ref ap, r3));
            c30 = TOps.MultiplyAdd(a3, b0, c30); c31 = TOps.MultiplyAdd(a3, b1, c31);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap = ref Unsafe.Add(ref ap, acs);
        }
        TOps.Store(c00, ref c, 0); TOps.Store(c01, ref c, w);
        TOps.Store(c10, ref c, l1); TOps.Store(c11, ref c, l1 + w);
        TOps.Store(c20, ref c, l2); TOps.Store(c21, ref c, l2 + w);
        TOps.Store(c30, ref c, l3); TOps.Store(c31, ref c, l3 + w);
    }

    // Eight rows by one vector of columns: a gate block narrower than a pair of vectors (H = 24: 16 + 8 columns)
    // still runs eight independent chains.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8x1<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint l1 = ldc, l2 = 2 * (nint)ldc, l3 = 3 * (nint)ldc;
        ref var cUpper = ref Unsafe.Add(ref c, 4 * l1);
        TV c0 = TOps.Load(ref c, 0), c1 = TOps.Load(ref c, l1), c2 = TOps.Load(ref c, l2), c3 = TOps.Load(ref c, l3);
        TV c4 = TOps.Load(ref cUpper, 0), c5 = TOps.Load(ref cUpper, l1), c6 = TOps.Load(ref cUpper, l2), c7 = TOps.Load(ref cUpper, l3);
        nint r1 = ars, r2 = 2 * (nint)ars, r3 = 3 * (nint)ars;
        ref var ap = ref a;
        ref var aUpper = ref Unsafe.Add(ref a, 4 * r1);
        ref var bp = ref b;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(ref bp, 0);
            c0 = TOps.MultiplyAdd(TOps.Broadcast(ap), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r1)), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r2)), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r3)), b0, c3);
            c4 = TOps.MultiplyAdd(TOps.Broadcast(aUpper), b0, c4);
            c5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref aUpper, r1)), b0, c5);
            c6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref aUpper, r2)), b0, c6);
            c7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref aUpper, r3)), b0, c7);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap = ref Unsafe.Add(ref ap, acs);
            aUpper = ref Unsafe.Add(ref aUpper, acs);
        }
        TOps.Store(c0, ref c, 0); TOps.Store(c1, ref c, l1); TOps.Store(c2, ref c, l2); TOps.Store(c3, ref c, l3);
        TOps.Store(c4, ref cUpper, 0); TOps.Store(c5, ref cUpper, l1); TOps.Store(c6, ref cUpper, l2); TOps.Store(c7, ref cUpper, l3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x1<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint l1 = ldc, l2 = 2 * (nint)ldc, l3 = 3 * (nint)ldc;
        TV c0 = TOps.Load(ref c, 0), c1 = TOps.Load(ref c, l1), c2 = TOps.Load(ref c, l2), c3 = TOps.Load(ref c, l3);
        nint r1 = ars, r2 = 2 * (nint)ars, r3 = 3 * (nint)ars;
        ref var ap = ref a;
        ref var bp = ref b;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(ref bp, 0);
            c0 = TOps.MultiplyAdd(TOps.Broadcast(ap), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r1)), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r2)), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref ap, r3)), b0, c3);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap = ref Unsafe.Add(ref ap, acs);
        }
        TOps.Store(c0, ref c, 0); TOps.Store(c1, ref c, l1); TOps.Store(c2, ref c, l2); TOps.Store(c3, ref c, l3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row8<TOps, TV>(ref float a, int acs, ref float b, int ldb, ref float c, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count;
        TV c0 = TOps.Load(ref c, 0), c1 = TOps.Load(ref c, w), c2 = TOps.Load(ref c, 2 * w), c3 = TOps.Load(ref c, 3 * w);
        TV c4 = TOps.Load(ref c, 4 * w), c5 = TOps.Load(ref c, 5 * w), c6 = TOps.Load(ref c, 6 * w), c7 = TOps.Load(ref c, 7 * w);
        for (var p = 0; p < kc; p++)
        {
            var ap = TOps.Broadcast(Unsafe.Add(ref a, (nint)p * acs));
            ref var bp = ref Unsafe.Add(ref b, (nint)p * ldb);
            c0 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 0), c0);
            c1 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, w), c1);
            c2 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 2 * w), c2);
            c3 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 3 * w), c3);
            c4 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 4 * w), c4);
            c5 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 5 * w), c5);
            c6 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 6 * w), c6);
            c7 = TOps.MultiplyAdd(ap, TOps.Load(ref bp, 7 * w), c7);
        }
        TOps.Store(c0, ref c, 0); TOps.Store(c1, ref c, w); TOps.Store(c2, ref c, 2 * w); TOps.Store(c3, ref c, 3 * w);
        TOps.Store(c4, ref c, 4 * w); TOps.Store(c5, ref c, 5 * w); TOps.Store(c6, ref c, 6 * w); TOps.Store(c7, ref c, 7 * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<TOps, TV>(ref float a, int acs, ref float b, int ldb, ref float c, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var acc = TOps.Load(ref c, 0);
        for (var p = 0; p < kc; p++)
            acc = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a, (nint)p * acs)), TOps.Load(ref Unsafe.Add(ref b, (nint)p * ldb), 0), acc);
        TOps.Store(acc, ref c, 0);
    }

    // Columns left over after the vector blocks: the same FMA chain per element, one element at a time.
    private static void ScalarColumns(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int m, int jStart, int n, int kc)
    {
        for (var i = 0; i < m; i++)
        {
            ref var ai = ref Unsafe.Add(ref a, (nint)i * ars);
            for (var j = jStart; j < n; j++)
            {
                ref var cij = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                var acc = cij;
                for (var p = 0; p < kc; p++)
                    acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref ai, (nint)p * acs), Unsafe.Add(ref b, (nint)p * ldb + j), acc);
                cij = acc;
            }
        }
    }
}
