using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// Single-precision matrix products C (+)= A · B on strided views (<see cref="MatrixView"/>, <see cref="MatrixSpan"/>,
/// <see cref="StridedMatrix"/>, <see cref="PackedView"/>). B and C are row-major; A is read through a row and a column
/// stride, so Aᵀ (<c>a.Transposed</c>) costs nothing. Every element of C is one FMA chain over k in ascending order,
/// whatever the blocking or the thread split, which keeps results bit-identical across thread counts.
/// </summary>
internal static partial class Gemm
{
    private const int RowBlock = 4;

    /// <summary>C (+)= A · B, for any strides of A (so Aᵀ is <c>a.Transposed</c>); B and C are row-major.</summary>
    public static void Multiply(MatrixView a, MatrixView b, MatrixSpan c, bool accumulate)
    {
        CheckShapes(a, b.Rows, b.Columns, c);
        if (b.ColumnStride != 1)
            throw new ArgumentException("B must be row-major (column stride 1).", nameof(b));
        Product(a.Data, a.RowStride, a.ColumnStride, b.Data, b.RowStride, c.Data, c.RowStride, c.Rows, c.Columns,
            a.Columns, accumulate);
    }

    /// <summary>
    /// The same product with the rows of C split across <paramref name="threads"/> workers when the product is large
    /// enough to pay for the hand-off, or its columns when C has too few rows to share (dW_xh = Σ x_tᵀ·∂L/∂z_t with
    /// I = 28 is 28 rows by 4H columns, K = T·B deep).
    /// </summary>
    public static void MultiplyParallel(StridedMatrix a, StridedMatrix b, StridedMatrix c, bool accumulate,
        int threads)
    {
        CheckShapes(a, b.Rows, b.Columns, c);
        var work = (long)c.Rows * c.Columns * a.Columns;
        if (RowParts(c.Rows, work, threads) <= 1 && ColumnParts(c.Columns, work, threads) > 1)
        {
            SplitColumns(c.Columns, work, threads, (first, columns) =>
                Multiply(a, b.ColumnRange(first, columns), c.ColumnRange(first, columns), accumulate), Site(a, c));
            return;
        }
        SplitRows(c.Rows, work, threads, (first, rows) =>
            Multiply(a.RowRange(first, rows), b, c.RowRange(first, rows), accumulate), Site(a, c));
    }

    // The product's shape, m×n×k, when hand-offs are logged (PartRunner.Log).
    private static string? Site(MatrixView a, MatrixSpan c) =>
        PartRunner.Log is null ? null : $"product {c.Rows}x{c.Columns}x{a.Columns}";

    /// <summary>
    /// Several independent products C (=) A · B in one hand-off: each split as <see cref="MultiplyParallel(StridedMatrix,
    /// StridedMatrix, StridedMatrix, bool, int)"/> splits it alone, part p of every product on worker p (a product too
    /// small to split on the first), so the GRU's three weight-gradient products cost one hand-off instead of three.
    /// Every element is the same FMA chain as in the products one by one.
    /// </summary>
    public static void MultiplyParallel(IReadOnlyList<(StridedMatrix A, StridedMatrix B, StridedMatrix C)> products,
        int threads)
    {
        var splits = new (bool Columns, int Parts, int PerPart)[products.Count];
        var parts = 1;
        for (var i = 0; i < products.Count; i++)
        {
            var (a, b, c) = products[i];
            CheckShapes(a, b.Rows, b.Columns, c);
            var work = (long)c.Rows * c.Columns * a.Columns;
            var byColumns = RowParts(c.Rows, work, threads) <= 1 && ColumnParts(c.Columns, work, threads) > 1;
            var (length, count, quantum) = byColumns
                ? (c.Columns, ColumnParts(c.Columns, work, threads), ColumnQuantum)
                : (c.Rows, RowParts(c.Rows, work, threads), RowBlock);
            splits[i] = (byColumns, count, ((length + count - 1) / count + quantum - 1) / quantum * quantum);
            parts = Math.Max(parts, count);
        }
        PartRunner.Run(parts, part =>
        {
            for (var i = 0; i < products.Count; i++)
            {
                var (a, b, c) = products[i];
                var (byColumns, _, perPart) = splits[i];
                var first = part * perPart;
                var count = Math.Min(perPart, (byColumns ? c.Columns : c.Rows) - first);
                if (count <= 0)
                    continue;
                if (byColumns)
                    Multiply(a, b.ColumnRange(first, count), c.ColumnRange(first, count), accumulate: false);
                else
                    Multiply(a.RowRange(first, count), b, c.RowRange(first, count), accumulate: false);
            }
        }, PartRunner.Log is null ? null : $"{products.Count} products");
    }

    /// <summary>The packed product over all of B's columns, rows split as in the unpacked one.</summary>
    public static void MultiplyParallel(StridedMatrix a, PackedMatrix b, StridedMatrix c, bool accumulate,
        int threads)
    {
        CheckShapes(a, b.Rows, b.Columns, c);
        SplitRows(c.Rows, (long)c.Rows * b.Columns * b.Rows, threads, (first, rows) =>
            Multiply(a.RowRange(first, rows), b, c.RowRange(first, rows), accumulate), Site(a, c));
    }

    // A is [m, k], B [k, n], C [m, n]: a product of matrices that do not fit is a caller's bug, named here.
    private static void CheckShapes(MatrixView a, int bRows, int bColumns, MatrixSpan c)
    {
        if (a.Rows != c.Rows || a.Columns != bRows || bColumns != c.Columns)
            throw new ArgumentException(
                $"A [{a.Rows}, {a.Columns}] · B [{bRows}, {bColumns}] does not fit C [{c.Rows}, {c.Columns}].");
    }

    // C[i, j] = (accumulate ? C[i, j] : 0) + Σ_k A(i, k) · B[k, j], where A(i, k) = a[i·aRowStride + k·aColStride],
    // B[k, j] = b[k·ldb + j] and C[i, j] = c[i·ldc + j].
    private static void Product(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, int ldb,
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
        // A transposed A read in place walks its rows tile by tile with every panel of B (TransposedRowsFirst),
        // in shallower blocks: a tile's k lines of A and one panel of B then share L1d.
        var depthBlock = aColStride != 1 && plan.TransposedADepthBlock > 0 ? plan.TransposedADepthBlock : plan.DepthBlock;
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

    // A product is split when it has this many multiply-adds or more; below, the hand-off costs more than it saves.
    private const long SplitWork = 1 << 18;

    // Columns of one part of a column split: whole tile pairs of either vector width, so no part ends in narrow tiles
    // that a whole product would not run.
    private const int ColumnQuantum = 32;

    private static int RowParts(int m, long work, int threads) =>
        work < SplitWork ? 1 : Math.Min(threads, Math.Max(1, m / 16));

    private static int ColumnParts(int n, long work, int threads) =>
        work < SplitWork ? 1 : Math.Min(threads, Math.Max(1, n / (4 * ColumnQuantum)));

    // Runs body(first, rows) over the m rows, split into tile-aligned parts when the work pays for the hand-off.
    private static void SplitRows(int m, long work, int threads, Action<int, int> body, string? site) =>
        Split(m, RowParts(m, work, threads), RowBlock, body, site);

    // Runs body(first, columns) over the n columns, split into parts of whole tile pairs.
    private static void SplitColumns(int n, long work, int threads, Action<int, int> body, string? site) =>
        Split(n, ColumnParts(n, work, threads), ColumnQuantum, body, site);

    // Each part is a multiple of `quantum` long but the last; every element of C stays one FMA chain whatever the
    // split, so the bits do not depend on it.
    private static void Split(int length, int parts, int quantum, Action<int, int> body, string? site)
    {
        if (parts <= 1)
        {
            body(0, length);
            return;
        }
        var perPart = (length + parts - 1) / parts;
        perPart = (perPart + quantum - 1) / quantum * quantum;
        PartRunner.Run(parts, part =>
        {
            var first = part * perPart;
            var count = Math.Min(perPart, length - first);
            if (count > 0)
                body(first, count);
        }, site);
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
            if (acs != 1 && plan.PacksTransposedA(acs) && fullRows >= 2 * RowBlock && wide >= PackedAColumns)
            {
                for (var i0 = 0; i0 < fullRows; i0 += plan.PackedARows)
                {
                    var rows = Math.Min(plan.PackedARows, fullRows - i0);
                    var packedA = PackRowTiles(ref Unsafe.Add(ref a, (nint)i0 * ars), ars, acs, rows, kc, plan);
                    WideColumns<TOps, TV>(ref packedA[0], 0, 0, ref b, ldb, ref Unsafe.Add(ref c, (nint)i0 * ldc), ldc,
                        rows, wide, kc, plan);
                }
            }
            else if (acs != 1 && plan.TransposedADepthBlock > 0)
            {
                TransposedRowsFirst<TOps, TV>(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, wide, kc, plan);
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

    // The first `wide` columns (whole pairs of vectors) of `rows` rows, a whole number of four-row tiles, in the
    // plan's tiles (TileHeight). With ars = 0 A is a packed copy from PackRowTiles: the tile at row i starts at i·kc
    // and holds its rows side by side.
    private static void WideColumns<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int rows, int wide, int kc, KernelPlan plan)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = TOps.Count;
        var packedA = ars == 0;
        var tall = TallRows(plan, rows);
        var pack = rows >= PackedPanelRows && ldb != 2 * width;
        var panel = pack ? PanelBuffer(kc * 2 * width) : [];
        ref var panelStart = ref pack ? ref panel[0] : ref b;
        // In a packed A the rows of a tile are side by side: row r of the tile at i is element r of each k's group.
        nint tileRows = plan.TileRows;
        for (var j = 0; j < wide; j += 2 * width)
        {
            ref var bj = ref Unsafe.Add(ref b, j);
            var stride = ldb;
            if (pack)
            {
                PackPanel<TOps, TV>(ref bj, ldb, ref panelStart, kc);
                bj = ref panelStart;
                stride = 2 * width;
            }
            var i = 0;
            for (; i < tall; i += plan.TileRows)
            {
                ref var ai = ref Unsafe.Add(ref a, packedA ? (nint)i * kc : (nint)i * ars);
                int rowStride = packedA ? 1 : ars, depthStride = packedA ? (int)tileRows : acs;
                ref var ci = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                if (tileRows == 2 * RowBlock)
                    Tile8<TOps, TV>(ref ai, rowStride, depthStride, ref bj, stride, ref ci, ldc, kc);
                else
                    Tile6<TOps, TV>(ref ai, rowStride, depthStride, ref bj, stride, ref ci, ldc, kc);
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

    // The wide columns of a transposed A read in place (the weight gradients Σ ∂L/∂zᵀ·h: the elements of one k of a
    // tile's rows are side by side, and each k lies a row of ∂L/∂z further). Walking panel by panel, as WideColumns
    // does, reads all of A's block once per panel, and its lines, one per k and used for a few floats, fill L1d and
    // evict the panel. Here every strip of B is copied first, then each row tile walks all the panels while its k lines
    // stay in L1d beside the panel it reads (the plan's TransposedADepthBlock keeps the two within L1d).
    private static void TransposedRowsFirst<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c,
        int ldc, int rows, int wide, int kc, KernelPlan plan)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var width = 2 * TOps.Count;
        var panels = PanelBuffer(kc * wide);
        for (var j = 0; j < wide; j += width)
            PackPanel<TOps, TV>(ref Unsafe.Add(ref b, j), ldb, ref panels[j * kc], kc);
        var tall = TallRows(plan, rows);
        for (var i = 0; i < rows;)
        {
            var height = i < tall ? plan.TileRows : RowBlock;
            ref var ai = ref Unsafe.Add(ref a, (nint)i * ars);
            for (var j = 0; j < wide; j += width)
            {
                ref var panel = ref panels[j * kc];
                ref var cij = ref Unsafe.Add(ref c, (nint)i * ldc + j);
                if (height == 2 * RowBlock)
                    Tile8<TOps, TV>(ref ai, ars, acs, ref panel, width, ref cij, ldc, kc);
                else if (height == RowBlock)
                    Tile4<TOps, TV>(ref ai, ars, acs, ref panel, width, ref cij, ldc, kc);
                else
                    Tile6<TOps, TV>(ref ai, ars, acs, ref panel, width, ref cij, ldc, kc);
            }
            i += height;
        }
    }

    // Rows (from the first) that the plan's tall tiles cover, the rest going to four-row tiles: 8-row tiles while
    // eight rows remain; 6-row tiles in pairs (twelve rows), so that what remains stays a whole number of four-row
    // tiles (32 rows: four tiles of 6, two of 4). With TileRows = 4, none.
    private static int TallRows(KernelPlan plan, int rows) => plan.TileRows switch
    {
        8 => rows / 8 * 8,
        6 => rows / 12 * 12,
        _ => 0,
    };

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

    // A packed copy of A is shared by this many columns of B at least: eight 16-column panels or four 32-column ones,
    // the same copy per column either way. It was eight panels at either width, so at H = 128 (128–160 columns) the
    // AVX-512 path never packed whatever the calibration measured; on the Intel Xeon packing took 0.78–0.92× the
    // time there (the weight gradients of the LSTM, GRU and tanh RNN, thread CPU medians, two runs at load 36), and
    // on the AVX-512 EPYC four panels had lost 12–25%: the calibration now times it on each machine.
    private const int PackedAColumns = 128;

    [ThreadStatic]
    private static float[]? _panelBuffer, _packedA;

    // The scratch starts on a cache line, so the tiles' vector loads of a packed strip never straddle two.
    private static Span<float> PanelBuffer(int length) => CacheLine.Ensure(ref _panelBuffer, length);

    // Copies `rows` rows of A (a whole number of four-row tiles), kc deep, as the plan's tiles (TallRows in tall
    // tiles, then four-row ones) back to back, each holding its rows' elements of one k side by side: the tiles then
    // read A as one stream.
    private static Span<float> PackRowTiles(ref float a, int ars, int acs, int rows, int kc, KernelPlan plan)
    {
        var packed = CacheLine.Ensure(ref _packedA, plan.PackedARows * kc);
        ref var destination = ref packed[0];
        var tall = TallRows(plan, rows);
        for (var i = 0; i < rows;)
        {
            var height = i < tall ? plan.TileRows : RowBlock;
            ref var tile = ref Unsafe.Add(ref destination, (nint)i * kc);
            ref var source = ref Unsafe.Add(ref a, (nint)i * ars);
            if (ars == 1 && height == 2 * RowBlock)
            {
                for (var p = 0; p < kc; p++)
                    Vector256.LoadUnsafe(ref Unsafe.Add(ref source, (nint)p * acs))
                        .StoreUnsafe(ref Unsafe.Add(ref tile, (nint)p * height));
            }
            else if (ars == 1 && height == RowBlock)
            {
                for (var p = 0; p < kc; p++)
                    Vector128.LoadUnsafe(ref Unsafe.Add(ref source, (nint)p * acs))
                        .StoreUnsafe(ref Unsafe.Add(ref tile, (nint)p * height));
            }
            else if (ars == 1)
            {
                // Six rows: four as one vector, two as one 64-bit move.
                for (var p = 0; p < kc; p++)
                {
                    ref var from = ref Unsafe.Add(ref source, (nint)p * acs);
                    ref var to = ref Unsafe.Add(ref tile, (nint)p * height);
                    Vector128.LoadUnsafe(ref from).StoreUnsafe(ref to);
                    Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref to, 4)),
                        Unsafe.ReadUnaligned<long>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref from, 4))));
                }
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
        return packed;
    }

    // Copies B's strip of two vectors of columns, kc rows, into a contiguous buffer: rows of B a matrix width apart
    // fall into a few cache sets and evict each other while the tiles walk down k, the copy's rows do not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackPanel<TOps, TV>(ref float b, int ldb, ref float destination, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count;
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
}
