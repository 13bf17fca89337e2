using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// Single-precision matrix products C (+)= op(A) · B on spans. B and C are row-major; A is read through a row and
/// a column stride, so Aᵀ costs nothing. Every element of C is one FMA chain over k in ascending order, whatever
/// the blocking or the thread split, which keeps results bit-identical across thread counts.
/// </summary>
internal static class Gemm
{
    private const int RowBlock = 4;
    private const int DepthBlock = 256;

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
        for (var k0 = 0; k0 < k; k0 += DepthBlock)
        {
            var kc = Math.Min(DepthBlock, k - k0);
            ref var aBlock = ref Unsafe.Add(ref a0, (nint)k0 * aColStride);
            ref var bBlock = ref Unsafe.Add(ref b0, (nint)k0 * ldb);
            if (Vector512.IsHardwareAccelerated)
                MultiplyBlock512(ref aBlock, aRowStride, aColStride, ref bBlock, ldb, ref c0, ldc, m, n, kc);
            else
                MultiplyBlock256(ref aBlock, aRowStride, aColStride, ref bBlock, ldb, ref c0, ldc, m, n, kc);
        }
    }

    /// <summary>
    /// The same product with the rows of C split across <paramref name="threads"/> workers when the product is large
    /// enough to pay for the hand-off.
    /// </summary>
    public static void MultiplyParallel(float[] a, int aRowStride, int aColStride, float[] b, int ldb,
        float[] c, int ldc, int m, int n, int k, bool accumulate, int threads, int aOffset = 0, int bOffset = 0,
        int cOffset = 0)
    {
        var work = (long)m * n * k;
        var parts = Math.Min(threads, Math.Max(1, m / 16));
        if (parts <= 1 || work < 1 << 18)
        {
            Multiply(a.AsSpan(aOffset), aRowStride, aColStride, b.AsSpan(bOffset), ldb, c.AsSpan(cOffset), ldc,
                m, n, k, accumulate);
            return;
        }
        var rowsPerPart = (m + parts - 1) / parts;
        rowsPerPart = (rowsPerPart + RowBlock - 1) / RowBlock * RowBlock;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var first = part * rowsPerPart;
            var rows = Math.Min(rowsPerPart, m - first);
            if (rows <= 0)
                return;
            Multiply(a.AsSpan(aOffset + first * aRowStride), aRowStride, aColStride, b.AsSpan(bOffset), ldb,
                c.AsSpan(cOffset + first * ldc), ldc, rows, n, k, accumulate);
        });
    }

    private static void CheckBounds(int length, int rowStride, int colStride, int rows, int cols, string name)
    {
        var last = (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride;
        if (last >= length)
            throw new ArgumentException($"Matrix {name} needs {last + 1} elements but has {length}.", name);
    }

    private static void MultiplyBlock512(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int m, int n, int kc)
    {
        const int width = 16;
        var fullRows = m / RowBlock * RowBlock;
        var j = 0;
        for (; j + 2 * width <= n; j += 2 * width)
        {
            var i = 0;
            for (; i + 2 * RowBlock <= fullRows; i += 2 * RowBlock)
                Kernel512x8x2(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
            for (; i < fullRows; i += RowBlock)
                Kernel512x4x2(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
        }
        for (; j + width <= n; j += width)
        {
            for (var i = 0; i < fullRows; i++)
                Kernel512x1(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), kc);
        }
        ScalarColumns(ref a, ars, acs, ref b, ldb, ref c, ldc, fullRows, j, n, kc);
        for (var i = fullRows; i < m; i++)
            SingleRow512(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref b, ldb, ref Unsafe.Add(ref c, (nint)i * ldc), n, kc);
    }

    // A row left over after the four-row blocks (all of batch-1 inference): eight vectors of columns at a time, so
    // eight independent FMA chains hide the instruction latency that a single chain would wait on.
    private static void SingleRow512(ref float a, int acs, ref float b, int ldb, ref float c, int n, int kc)
    {
        const int width = 16;
        var j = 0;
        for (; j + 8 * width <= n; j += 8 * width)
            Kernel512x1x8(ref a, acs, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), kc);
        for (; j + width <= n; j += width)
            Kernel512x1(ref a, acs, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), kc);
        ScalarColumns(ref a, 0, acs, ref b, ldb, ref c, 0, 1, j, n, kc);
    }

    private static void MultiplyBlock256(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc,
        int m, int n, int kc)
    {
        const int width = 8;
        var j = 0;
        for (; j + 2 * width <= n; j += 2 * width)
        {
            var i = 0;
            for (; i + RowBlock <= m; i += RowBlock)
                Kernel256x4x2(ref Unsafe.Add(ref a, (nint)i * ars), ars, acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), ldc, kc);
            for (; i < m; i++)
            {
                Kernel256x1(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), kc);
                Kernel256x1(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref Unsafe.Add(ref b, j + width), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j + width), kc);
            }
        }
        for (; j + width <= n; j += width)
        {
            for (var i = 0; i < m; i++)
                Kernel256x1(ref Unsafe.Add(ref a, (nint)i * ars), acs, ref Unsafe.Add(ref b, j), ldb,
                    ref Unsafe.Add(ref c, (nint)i * ldc + j), kc);
        }
        ScalarColumns(ref a, ars, acs, ref b, ldb, ref c, ldc, m, j, n, kc);
    }

    // Eight rows by two vectors of columns: sixteen accumulators, enough independent FMA chains to keep two vector
    // FMA units busy through their latency, and two loads of B serve sixteen FMAs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel512x8x2(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        ref var c4 = ref Unsafe.Add(ref c, 4 * ldc);
        ref var c5 = ref Unsafe.Add(ref c, 5 * ldc);
        ref var c6 = ref Unsafe.Add(ref c, 6 * ldc);
        ref var c7 = ref Unsafe.Add(ref c, 7 * ldc);
        var c00 = Vector512.LoadUnsafe(ref c); var c01 = Vector512.LoadUnsafe(ref c, 16);
        var c10 = Vector512.LoadUnsafe(ref c1); var c11 = Vector512.LoadUnsafe(ref c1, 16);
        var c20 = Vector512.LoadUnsafe(ref c2); var c21 = Vector512.LoadUnsafe(ref c2, 16);
        var c30 = Vector512.LoadUnsafe(ref c3); var c31 = Vector512.LoadUnsafe(ref c3, 16);
        var c40 = Vector512.LoadUnsafe(ref c4); var c41 = Vector512.LoadUnsafe(ref c4, 16);
        var c50 = Vector512.LoadUnsafe(ref c5); var c51 = Vector512.LoadUnsafe(ref c5, 16);
        var c60 = Vector512.LoadUnsafe(ref c6); var c61 = Vector512.LoadUnsafe(ref c6, 16);
        var c70 = Vector512.LoadUnsafe(ref c7); var c71 = Vector512.LoadUnsafe(ref c7, 16);
        nint r1 = ars, r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars, r6 = 6 * ars, r7 = 7 * ars;
        for (var p = 0; p < kc; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, (nint)p * ldb);
            var b0 = Vector512.LoadUnsafe(ref bp);
            var b1 = Vector512.LoadUnsafe(ref bp, 16);
            ref var ap = ref Unsafe.Add(ref a, (nint)p * acs);
            var a0 = Vector512.Create(ap);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(Unsafe.Add(ref ap, r1));
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(Unsafe.Add(ref ap, r2));
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(Unsafe.Add(ref ap, r3));
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(Unsafe.Add(ref ap, r4));
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(Unsafe.Add(ref ap, r5));
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(Unsafe.Add(ref ap, r6));
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(Unsafe.Add(ref ap, r7));
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c1); c11.StoreUnsafe(ref c1, 16);
        c20.StoreUnsafe(ref c2); c21.StoreUnsafe(ref c2, 16);
        c30.StoreUnsafe(ref c3); c31.StoreUnsafe(ref c3, 16);
        c40.StoreUnsafe(ref c4); c41.StoreUnsafe(ref c4, 16);
        c50.StoreUnsafe(ref c5); c51.StoreUnsafe(ref c5, 16);
        c60.StoreUnsafe(ref c6); c61.StoreUnsafe(ref c6, 16);
        c70.StoreUnsafe(ref c7); c71.StoreUnsafe(ref c7, 16);
    }

    // Four rows by two vectors of columns: eight accumulators stay in registers for the whole depth block.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel512x4x2(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        var c00 = Vector512.LoadUnsafe(ref c); var c01 = Vector512.LoadUnsafe(ref c, 16);
        var c10 = Vector512.LoadUnsafe(ref c1); var c11 = Vector512.LoadUnsafe(ref c1, 16);
        var c20 = Vector512.LoadUnsafe(ref c2); var c21 = Vector512.LoadUnsafe(ref c2, 16);
        var c30 = Vector512.LoadUnsafe(ref c3); var c31 = Vector512.LoadUnsafe(ref c3, 16);
        nint aRow1 = ars, aRow2 = 2 * ars, aRow3 = 3 * ars;
        for (var p = 0; p < kc; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, (nint)p * ldb);
            var b0 = Vector512.LoadUnsafe(ref bp);
            var b1 = Vector512.LoadUnsafe(ref bp, 16);
            ref var ap = ref Unsafe.Add(ref a, (nint)p * acs);
            var a0 = Vector512.Create(ap);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(Unsafe.Add(ref ap, aRow1));
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(Unsafe.Add(ref ap, aRow2));
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(Unsafe.Add(ref ap, aRow3));
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c1); c11.StoreUnsafe(ref c1, 16);
        c20.StoreUnsafe(ref c2); c21.StoreUnsafe(ref c2, 16);
        c30.StoreUnsafe(ref c3); c31.StoreUnsafe(ref c3, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel512x1x8(ref float a, int acs, ref float b, int ldb, ref float c, int kc)
    {
        var c0 = Vector512.LoadUnsafe(ref c); var c1 = Vector512.LoadUnsafe(ref c, 16);
        var c2 = Vector512.LoadUnsafe(ref c, 32); var c3 = Vector512.LoadUnsafe(ref c, 48);
        var c4 = Vector512.LoadUnsafe(ref c, 64); var c5 = Vector512.LoadUnsafe(ref c, 80);
        var c6 = Vector512.LoadUnsafe(ref c, 96); var c7 = Vector512.LoadUnsafe(ref c, 112);
        for (var p = 0; p < kc; p++)
        {
            var ap = Vector512.Create(Unsafe.Add(ref a, (nint)p * acs));
            ref var bp = ref Unsafe.Add(ref b, (nint)p * ldb);
            c0 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp), c0);
            c1 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 16), c1);
            c2 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 32), c2);
            c3 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 48), c3);
            c4 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 64), c4);
            c5 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 80), c5);
            c6 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 96), c6);
            c7 = Vector512.FusedMultiplyAdd(ap, Vector512.LoadUnsafe(ref bp, 112), c7);
        }
        c0.StoreUnsafe(ref c); c1.StoreUnsafe(ref c, 16); c2.StoreUnsafe(ref c, 32); c3.StoreUnsafe(ref c, 48);
        c4.StoreUnsafe(ref c, 64); c5.StoreUnsafe(ref c, 80); c6.StoreUnsafe(ref c, 96); c7.StoreUnsafe(ref c, 112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel512x1(ref float a, int acs, ref float b, int ldb, ref float c, int kc)
    {
        var acc = Vector512.LoadUnsafe(ref c);
        for (var p = 0; p < kc; p++)
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, (nint)p * acs)),
                Vector512.LoadUnsafe(ref Unsafe.Add(ref b, (nint)p * ldb)), acc);
        acc.StoreUnsafe(ref c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel256x4x2(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        var c00 = Vector256.LoadUnsafe(ref c); var c01 = Vector256.LoadUnsafe(ref c, 8);
        var c10 = Vector256.LoadUnsafe(ref c1); var c11 = Vector256.LoadUnsafe(ref c1, 8);
        var c20 = Vector256.LoadUnsafe(ref c2); var c21 = Vector256.LoadUnsafe(ref c2, 8);
        var c30 = Vector256.LoadUnsafe(ref c3); var c31 = Vector256.LoadUnsafe(ref c3, 8);
        nint aRow1 = ars, aRow2 = 2 * ars, aRow3 = 3 * ars;
        for (var p = 0; p < kc; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, (nint)p * ldb);
            var b0 = Vector256.LoadUnsafe(ref bp);
            var b1 = Vector256.LoadUnsafe(ref bp, 8);
            ref var ap = ref Unsafe.Add(ref a, (nint)p * acs);
            var a0 = Vector256.Create(ap);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(Unsafe.Add(ref ap, aRow1));
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(Unsafe.Add(ref ap, aRow2));
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(Unsafe.Add(ref ap, aRow3));
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c1); c11.StoreUnsafe(ref c1, 8);
        c20.StoreUnsafe(ref c2); c21.StoreUnsafe(ref c2, 8);
        c30.StoreUnsafe(ref c3); c31.StoreUnsafe(ref c3, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel256x1(ref float a, int acs, ref float b, int ldb, ref float c, int kc)
    {
        var acc = Vector256.LoadUnsafe(ref c);
        for (var p = 0; p < kc; p++)
            acc = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a, (nint)p * acs)),
                Vector256.LoadUnsafe(ref Unsafe.Add(ref b, (nint)p * ldb)), acc);
        acc.StoreUnsafe(ref c);
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
