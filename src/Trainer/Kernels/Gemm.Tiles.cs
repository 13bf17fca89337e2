using System.Runtime.CompilerServices;

namespace Recurrent.Trainer.Kernels;

// The register tiles of the unpacked product: each keeps its accumulators in registers for one depth block and runs
// one FMA chain per element of C over k in ascending order.
internal static partial class Gemm
{
    // Eight rows by two vectors of columns: sixteen accumulators, enough independent FMA chains to keep two vector
    // FMA units busy through their latency, and two loads of B serve sixteen FMAs. The loop only advances references
    // (no index arithmetic) and the rows are addressed from two bases with three strides, so every pointer stays in
    // a register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile8<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
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

    // Six rows by two vectors of columns: the tile for sixteen vector registers (AVX2). Twelve accumulators, two
    // vectors of B and one broadcast take fifteen registers, so nothing spills, and twelve independent FMA chains
    // cover the FMA latency (four cycles) on two FMA ports with half a step to spare, where the 4×16 tile's eight
    // chains left none. Eight loads feed twelve FMAs instead of six feeding eight. Rows are addressed from two bases
    // (rows 0–2 and 3–5) with two strides, so every pointer stays in a general register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile6<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count, l1 = ldc, l2 = 2 * (nint)ldc;
        ref var cUpper = ref Unsafe.Add(ref c, 3 * l1);
        TV c00 = TOps.Load(ref c, 0), c01 = TOps.Load(ref c, w);
        TV c10 = TOps.Load(ref c, l1), c11 = TOps.Load(ref c, l1 + w);
        TV c20 = TOps.Load(ref c, l2), c21 = TOps.Load(ref c, l2 + w);
        TV c30 = TOps.Load(ref cUpper, 0), c31 = TOps.Load(ref cUpper, w);
        TV c40 = TOps.Load(ref cUpper, l1), c41 = TOps.Load(ref cUpper, l1 + w);
        TV c50 = TOps.Load(ref cUpper, l2), c51 = TOps.Load(ref cUpper, l2 + w);
        nint r1 = ars, r2 = 2 * (nint)ars, bStep = ldb, aStep = acs;
        ref var ap = ref a;
        ref var aUpper = ref Unsafe.Add(ref a, 3 * r1);
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
            var a3 = TOps.Broadcast(aUpper);
            c30 = TOps.MultiplyAdd(a3, b0, c30); c31 = TOps.MultiplyAdd(a3, b1, c31);
            var a4 = TOps.Broadcast(Unsafe.Add(ref aUpper, r1));
            c40 = TOps.MultiplyAdd(a4, b0, c40); c41 = TOps.MultiplyAdd(a4, b1, c41);
            var a5 = TOps.Broadcast(Unsafe.Add(ref aUpper, r2));
            c50 = TOps.MultiplyAdd(a5, b0, c50); c51 = TOps.MultiplyAdd(a5, b1, c51);
            bp = ref Unsafe.Add(ref bp, bStep);
            ap = ref Unsafe.Add(ref ap, aStep);
            aUpper = ref Unsafe.Add(ref aUpper, aStep);
        }
        TOps.Store(c00, ref c, 0); TOps.Store(c01, ref c, w);
        TOps.Store(c10, ref c, l1); TOps.Store(c11, ref c, l1 + w);
        TOps.Store(c20, ref c, l2); TOps.Store(c21, ref c, l2 + w);
        TOps.Store(c30, ref cUpper, 0); TOps.Store(c31, ref cUpper, w);
        TOps.Store(c40, ref cUpper, l1); TOps.Store(c41, ref cUpper, l1 + w);
        TOps.Store(c50, ref cUpper, l2); TOps.Store(c51, ref cUpper, l2 + w);
    }

    // Four rows by two vectors of columns, for the rows an eight-row tile does not cover.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile4<TOps, TV>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ldc, int kc)
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
