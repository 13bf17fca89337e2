using System.Numerics;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Cells;

/// <summary>Element-wise derivative products shared by the cells, vectorised with a scalar tail.</summary>
internal static class GateMath
{
    /// <summary>result = gradient ⊙ (1 − y²), the tanh derivative expressed through its output y.</summary>
    public static void TimesTanhDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var i = 0;
        var one = Vector<float>.One;
        for (; i + Vector<float>.Count <= y.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(y[i..]);
            (new Vector<float>(gradient[i..]) * (one - v * v)).CopyTo(result[i..]);
        }
        for (; i < y.Length; i++)
            result[i] = gradient[i] * (1f - y[i] * y[i]);
    }

    /// <summary>result = gradient ⊙ y ⊙ (1 − y), the sigmoid derivative expressed through its output y.</summary>
    public static void TimesSigmoidDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var i = 0;
        var one = Vector<float>.One;
        for (; i + Vector<float>.Count <= y.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(y[i..]);
            (new Vector<float>(gradient[i..]) * v * (one - v)).CopyTo(result[i..]);
        }
        for (; i < y.Length; i++)
            result[i] = gradient[i] * y[i] * (1f - y[i]);
    }

    /// <summary>result = gradient where y &gt; 0, else 0: the ReLU derivative through its output.</summary>
    public static void TimesReluDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var i = 0;
        for (; i + Vector<float>.Count <= y.Length; i += Vector<float>.Count)
        {
            var positive = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
            Vector.ConditionalSelect(positive, new Vector<float>(gradient[i..]), Vector<float>.Zero).CopyTo(result[i..]);
        }
        for (; i < y.Length; i++)
            result[i] = y[i] > 0f ? gradient[i] : 0f;
    }

    /// <summary>
    /// Σ x², vectorised (per-step adjoint norms are taken for every sample at every step) and accumulated in double:
    /// a vanishing adjoint of 1e-23 per element squares to below float's smallest denormal, and a float sum would
    /// report such norms as zero or as multiples of √(1.4e-45), measuring the arithmetic instead of the gradient.
    /// </summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        var sum = Vector256<double>.Zero;
        var i = 0;
        for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Create(x.Slice(i, Vector256<float>.Count)));
            sum = Vector256.FusedMultiplyAdd(lower, lower, sum);
            sum = Vector256.FusedMultiplyAdd(upper, upper, sum);
        }
        var total = Vector256.Sum(sum);
        for (; i < x.Length; i++)
            total += (double)x[i] * x[i];
        return total;
    }
}
