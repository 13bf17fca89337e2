using System.Runtime.CompilerServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The gate non-linearities σ and tanh for any width of <see cref="IVectorOps{TV}"/>, used by training and inference
/// alike, so a fused gate kernel is written once and every element, vector lane or tail, gets the same bits: within
/// two float roundings of the true values (tested over 2.7 million floats).
/// </summary>
/// <remarks>
/// Both come from one e^y = 2ⁿ(1 + q) with y = n ln2 + r, |r| ≤ ln2/2 and q = e^r − 1 a degree-6 polynomial fitted
/// for relative error over that interval (3e-9, far below float's 6e-8 rounding). A clamp (two instructions, NaN
/// passing through) keeps 2ⁿ in the normal floats instead of compare-and-selects for overflow, and
/// tanh = (e^{2x} − 1)/(e^{2x} + 1) with e^{2x} − 1 = 2ⁿq + (2ⁿ − 1): for |2x| ≤ ln2/2 that is q itself, so nothing
/// cancels near zero and tanh needs no series, branch or select there. An earlier version with a degree-7 e^x,
/// overflow selects and a Taylor series for small |x| was as accurate in about twice the instructions.
/// </remarks>
internal static class Activations
{
    /// <summary>σ(x) = 1 / (1 + e^{−x}); below x = −87 it returns e^{−87}'s σ (about 1.6e-38) or less.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var one = TOps.Broadcast(1f);
        var y = TOps.Clamp(TOps.Subtract(TOps.Broadcast(0f), x), TOps.Broadcast(-87f), TOps.Broadcast(87f));
        var (scale, q) = ExpParts<TOps, TV>(y);
        return TOps.Divide(one, TOps.Add(one, TOps.MultiplyAdd(scale, q, scale)));
    }

    /// <summary>tanh x = (e^{2x} − 1) / (e^{2x} + 1), with x clamped to ±20 (where tanh is ±1 in float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var clamped = TOps.Clamp(x, TOps.Broadcast(-20f), TOps.Broadcast(20f));
        var (scale, q) = ExpParts<TOps, TV>(TOps.Add(clamped, clamped));
        var expMinusOne = TOps.MultiplyAdd(scale, q, TOps.Subtract(scale, TOps.Broadcast(1f)));
        return TOps.Divide(expMinusOne, TOps.Add(expMinusOne, TOps.Broadcast(2f)));
    }

    /// <summary>e^y = scale · (1 + q) with scale = 2ⁿ, for y in [−87, 87] (NaN gives a NaN q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV Scale, TV Q) ExpParts<TOps, TV>(TV y)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var n = TOps.Round(TOps.Multiply(y, TOps.Broadcast(1.44269504f)));
        // ln 2 in two parts: n · 0.693359375 is exact for |n| ≤ 127, so r loses nothing to cancellation.
        var r = TOps.MultiplyAdd(n, TOps.Broadcast(-0.693359375f), y);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(2.12194440e-4f), r);
        // e^r − 1 = r + r²(c2 + r(c3 + …)), coefficients fitted to e^r's relative error on |r| ≤ ln2/2 (Lawson's
        // iteration on Chebyshev nodes; 1 + r kept exact).
        var q = TOps.MultiplyAdd(r, TOps.Broadcast(1.381456981e-3f), TOps.Broadcast(8.368730303e-3f));
        q = TOps.MultiplyAdd(r, q, TOps.Broadcast(4.166838936e-2f));
        q = TOps.MultiplyAdd(r, q, TOps.Broadcast(1.666652052e-1f));
        q = TOps.MultiplyAdd(r, q, TOps.Broadcast(4.999999344e-1f));
        q = TOps.MultiplyAdd(r, q, TOps.Broadcast(1f));
        return (TOps.PowerOfTwo(n), TOps.Multiply(r, q));
    }
}
