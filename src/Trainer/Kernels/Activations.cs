using System.Runtime.CompilerServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The gate non-linearities for any width of <see cref="IVectorOps{TV}"/>, so a fused gate kernel is written once and
/// every element, vector lane or tail, gets the same bits.
/// </summary>
internal static class Activations
{
    // Below this |x|, 1 − e^{−2|x|} would cancel away relative precision, so tanh uses its Taylor series instead;
    // the first omitted term (62/2835 x⁹) is below 2e-9 relative there.
    private const float TanhSeriesLimit = 0.125f;

    /// <summary>σ(x) = 1 / (1 + e^{−x}); e^{−x} overflowing to ∞ gives exactly 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var one = TOps.Broadcast(1f);
        return TOps.Divide(one, TOps.Add(one, Exp<TOps, TV>(TOps.Subtract(TOps.Broadcast(0f), x))));
    }

    /// <summary>tanh x = sign(x) (1 − u) / (1 + u) with u = e^{−2|x|}, or x − x³/3 + 2x⁵/15 − 17x⁷/315 near zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var one = TOps.Broadcast(1f);
        var magnitude = TOps.Abs(x);
        var u = Exp<TOps, TV>(TOps.Multiply(TOps.Broadcast(-2f), magnitude));
        var large = TOps.CopySign(TOps.Divide(TOps.Subtract(one, u), TOps.Add(one, u)), x);
        var x2 = TOps.Multiply(x, x);
        var series = TOps.MultiplyAdd(x2, TOps.Broadcast(-17f / 315f), TOps.Broadcast(2f / 15f));
        series = TOps.MultiplyAdd(x2, series, TOps.Broadcast(-1f / 3f));
        series = TOps.MultiplyAdd(TOps.Multiply(x2, x), series, x);
        return TOps.SelectLess(magnitude, TOps.Broadcast(TanhSeriesLimit), series, large);
    }

    /// <summary>
    /// e^x to about one ulp, inlined into the gate kernels (the runtime's vector exp is a call that spills every
    /// register around it). x = n ln2 + r with |r| ≤ ln2/2, e^r from a degree-7 polynomial, 2ⁿ from exponent bits.
    /// Below −87 the result is 0 and above 88 it is ∞ (there 2ⁿ leaves the normal floats); NaN stays NaN through the
    /// polynomial.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var n = TOps.Round(TOps.Multiply(x, TOps.Broadcast(1.44269504f)));
        // ln 2 in two parts: n · 0.693359375 is exact for |n| ≤ 127, so r loses nothing to cancellation.
        var r = TOps.MultiplyAdd(n, TOps.Broadcast(-0.693359375f), x);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(2.12194440e-4f), r);
        var p = TOps.MultiplyAdd(r, TOps.Broadcast(1f / 5040f), TOps.Broadcast(1f / 720f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(1f / 120f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(1f / 24f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(1f / 6f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(0.5f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(1f));
        p = TOps.MultiplyAdd(r, p, TOps.Broadcast(1f));
        var result = TOps.Multiply(p, TOps.PowerOfTwo(n));
        result = TOps.SelectLess(x, TOps.Broadcast(-87f), TOps.Broadcast(0f), result);
        return TOps.SelectLess(TOps.Broadcast(88f), x, TOps.Broadcast(float.PositiveInfinity), result);
    }
}
