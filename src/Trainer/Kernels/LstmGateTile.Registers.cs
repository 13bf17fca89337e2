using System.Runtime.CompilerServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The all-register gate tile for 32 vector registers (AVX-512): 6 rows × one vector of units × the four gates in 24
/// accumulators, with the four vectors of B and a broadcast 29 registers, so one walk down k gives every
/// pre-activation its units' c_t and h_t need, and σ, tanh, c_t and h_t follow from the registers. Against the two
/// 8-row × two-vector register tiles (i and o, then f and g) it broadcasts each element of x_t and h_{t-1} once
/// instead of twice (ten loads per 24 FMAs instead of ten per 16) and never stores the pre-activations to read
/// them back.
/// </summary>
internal static partial class LstmGateTile
{
    /// <summary>Rows of the taller all-register tile; the other has <see cref="MinimumRows"/>.</summary>
    public const int RegisterRows = 6;

    // The tiles' heights as types, so the JIT compiles one loop per height with the other rows' code removed.
    private interface ITileRows
    {
        static abstract bool Six { get; }
    }

    private struct SixRows : ITileRows
    {
        public static bool Six => true;
    }

    private struct FourRows : ITileRows
    {
        public static bool Six => false;
    }

    // One 6-row (TRows: SixRows) or 4-row tile over rows k0..k1 of a block's two panels (i, o | f, g, each 2·units wide), starting from `start`
    // (row stride startStride: 0 for the bias, the tile buffer's width for partial sums) and ending in the tile buffer
    // `partial` (row stride 4·units), which stays in L1d for GateRows. x_t's terms
    // (columns k0..I−1 of x, row stride xs) come before h_{t-1}'s (row stride hs), k ascending: the product's chain.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterTile<TOps, TV, TRows>(ref float x, nint xs, ref float h, nint hs, int inputs, int k0, int k1,
        ref float panels, nint panelLength, ref float start, nint startStride, ref float partial)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
        where TRows : struct, ITileRows
    {
        nint w = TOps.Count, s1 = startStride, s2 = 2 * startStride;
        ref var s3 = ref Unsafe.Add(ref start, 3 * startStride);
        TV i0 = TOps.Load(ref start, 0), o0 = TOps.Load(ref start, w), f0 = TOps.Load(ref start, 2 * w), g0 = TOps.Load(ref start, 3 * w);
        TV i1 = TOps.Load(ref start, s1), o1 = TOps.Load(ref start, s1 + w), f1 = TOps.Load(ref start, s1 + 2 * w), g1 = TOps.Load(ref start, s1 + 3 * w);
        TV i2 = TOps.Load(ref start, s2), o2 = TOps.Load(ref start, s2 + w), f2 = TOps.Load(ref start, s2 + 2 * w), g2 = TOps.Load(ref start, s2 + 3 * w);
        TV i3 = TOps.Load(ref s3, 0), o3 = TOps.Load(ref s3, w), f3 = TOps.Load(ref s3, 2 * w), g3 = TOps.Load(ref s3, 3 * w);
        TV i4 = default, o4 = default, f4 = default, g4 = default, i5 = default, o5 = default, f5 = default, g5 = default;
        if (TRows.Six)
        {
            (i4, o4, f4, g4) = (TOps.Load(ref s3, s1), TOps.Load(ref s3, s1 + w), TOps.Load(ref s3, s1 + 2 * w), TOps.Load(ref s3, s1 + 3 * w));
            (i5, o5, f5, g5) = (TOps.Load(ref s3, s2), TOps.Load(ref s3, s2 + w), TOps.Load(ref s3, s2 + 2 * w), TOps.Load(ref s3, s2 + 3 * w));
        }
        // Two runs of one loop: x_t's columns, then h_{t-1}'s.
        for (var part = 0; part < 2; part++)
        {
            int from, to;
            ref float a = ref x;
            nint ars;
            if (part == 0)
            {
                (from, to, ars) = (k0, Math.Min(k1, inputs), xs);
                a = ref Unsafe.Add(ref x, k0);
            }
            else
            {
                (from, to, ars) = (Math.Max(k0, inputs), k1, hs);
                a = ref Unsafe.Add(ref h, from - inputs);
            }
            if (to <= from)
                continue;
            nint r1 = ars, r2 = 2 * ars;
            ref var aUpper = ref Unsafe.Add(ref a, 3 * ars);
            ref var b = ref Unsafe.Add(ref panels, (nint)from * 2 * w);
            ref var bSecond = ref Unsafe.Add(ref b, panelLength);
            for (var k = from; k < to; k++)
            {
                TV bi = TOps.Load(ref b, 0), bo = TOps.Load(ref b, w);
                TV bf = TOps.Load(ref bSecond, 0), bg = TOps.Load(ref bSecond, w);
                var a0 = TOps.Broadcast(a);
                i0 = TOps.MultiplyAdd(a0, bi, i0); o0 = TOps.MultiplyAdd(a0, bo, o0); f0 = TOps.MultiplyAdd(a0, bf, f0); g0 = TOps.MultiplyAdd(a0, bg, g0);
                var a1 = TOps.Broadcast(Unsafe.Add(ref a, r1));
                i1 = TOps.MultiplyAdd(a1, bi, i1); o1 = TOps.MultiplyAdd(a1, bo, o1); f1 = TOps.MultiplyAdd(a1, bf, f1); g1 = TOps.MultiplyAdd(a1, bg, g1);
                var a2 = TOps.Broadcast(Unsafe.Add(ref a, r2));
                i2 = TOps.MultiplyAdd(a2, bi, i2); o2 = TOps.MultiplyAdd(a2, bo, o2); f2 = TOps.MultiplyAdd(a2, bf, f2); g2 = TOps.MultiplyAdd(a2, bg, g2);
                var a3 = TOps.Broadcast(aUpper);
                i3 = TOps.MultiplyAdd(a3, bi, i3); o3 = TOps.MultiplyAdd(a3, bo, o3); f3 = TOps.MultiplyAdd(a3, bf, f3); g3 = TOps.MultiplyAdd(a3, bg, g3);
                if (TRows.Six)
                {
                    var a4 = TOps.Broadcast(Unsafe.Add(ref aUpper, r1));
                    i4 = TOps.MultiplyAdd(a4, bi, i4); o4 = TOps.MultiplyAdd(a4, bo, o4); f4 = TOps.MultiplyAdd(a4, bf, f4); g4 = TOps.MultiplyAdd(a4, bg, g4);
                    var a5 = TOps.Broadcast(Unsafe.Add(ref aUpper, r2));
                    i5 = TOps.MultiplyAdd(a5, bi, i5); o5 = TOps.MultiplyAdd(a5, bo, o5); f5 = TOps.MultiplyAdd(a5, bf, f5); g5 = TOps.MultiplyAdd(a5, bg, g5);
                }
                b = ref Unsafe.Add(ref b, 2 * w);
                bSecond = ref Unsafe.Add(ref bSecond, 2 * w);
                a = ref Unsafe.Add(ref a, 1);
                aUpper = ref Unsafe.Add(ref aUpper, 1);
            }
        }
        nint width = 4 * w;
        StoreRow<TOps, TV>(i0, o0, f0, g0, ref partial, 0);
        StoreRow<TOps, TV>(i1, o1, f1, g1, ref partial, width);
        StoreRow<TOps, TV>(i2, o2, f2, g2, ref partial, 2 * width);
        StoreRow<TOps, TV>(i3, o3, f3, g3, ref partial, 3 * width);
        if (TRows.Six)
        {
            StoreRow<TOps, TV>(i4, o4, f4, g4, ref partial, 4 * width);
            StoreRow<TOps, TV>(i5, o5, f5, g5, ref partial, 5 * width);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOps, TV>(TV i, TV o, TV f, TV g, ref float row, nint at)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count;
        TOps.Store(i, ref row, at);
        TOps.Store(o, ref row, at + w);
        TOps.Store(f, ref row, at + 2 * w);
        TOps.Store(g, ref row, at + 3 * w);
    }

    // σ(i), σ(o), σ(f), tanh(g), c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ tanh c_t of `rows` rows of pre-activations
    // (row stride 4·units: i, o, f, g), row by row: the operations of GateSweeps and Combine, so the same bits. A
    // call of its own: the activations' temporaries beside the tile's 24 live accumulators spilled them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GateRows<TOps, TV>(ref float z, int rows, ref float previousCell, ref float cell, ref float state,
        nint stride)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint w = TOps.Count, width = 4 * w;
        for (nint r = 0; r < rows; r++)
        {
            ref var row = ref Unsafe.Add(ref z, r * width);
            var i = Activations.Sigmoid<TOps, TV>(TOps.Load(ref row, 0));
            var g = Activations.Tanh<TOps, TV>(TOps.Load(ref row, 3 * w));
            var f = Activations.Sigmoid<TOps, TV>(TOps.Load(ref row, 2 * w));
            var c = TOps.MultiplyAdd(f, TOps.Load(ref previousCell, r * stride), TOps.Multiply(i, g));
            TOps.Store(c, ref cell, r * stride);
            var o = Activations.Sigmoid<TOps, TV>(TOps.Load(ref row, w));
            TOps.Store(TOps.Multiply(o, Activations.Tanh<TOps, TV>(c)), ref state, r * stride);
        }
    }
}
