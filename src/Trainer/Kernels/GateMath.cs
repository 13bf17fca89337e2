using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The derivative products the cells share, each a fused column kernel (one pass, no temporaries), and the
/// double-precision sum of squares behind the adjoint and gradient norms.
/// </summary>
internal static class GateMath
{
    /// <summary>result = gradient ⊙ (1 − y²), the tanh derivative expressed through its output y.</summary>
    public static void TimesTanhDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var kernel = new Derivative<Tanh>(gradient[..y.Length], y, result[..y.Length]);
        ColumnKernel.Run(ref kernel, y.Length);
    }

    /// <summary>result = gradient ⊙ y ⊙ (1 − y), the sigmoid derivative expressed through its output y.</summary>
    public static void TimesSigmoidDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var kernel = new Derivative<Sigmoid>(gradient[..y.Length], y, result[..y.Length]);
        ColumnKernel.Run(ref kernel, y.Length);
    }

    /// <summary>result = gradient where y &gt; 0, else 0: the ReLU derivative through its output.</summary>
    public static void TimesReluDerivative(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
    {
        var kernel = new Derivative<Relu>(gradient[..y.Length], y, result[..y.Length]);
        ColumnKernel.Run(ref kernel, y.Length);
    }

    /// <summary>
    /// Σ x², vectorised (per-step adjoint norms are taken for every sample at every step) and accumulated in double:
    /// a vanishing adjoint of 1e-23 per element squares to below float's smallest denormal, and a float sum (as
    /// TensorPrimitives.SumOfSquares would take) would report such norms as zero or as multiples of √(1.4e-45),
    /// measuring the arithmetic instead of the gradient.
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

    // f'(·) from the activation's output y, times the incoming gradient g.
    private interface IOutputDerivative
    {
        static abstract TV Times<TOps, TV>(TV g, TV y)
            where TOps : struct, IVectorOps<TV>
            where TV : struct;
    }

    private readonly struct Tanh : IOutputDerivative
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Times<TOps, TV>(TV g, TV y)
            where TOps : struct, IVectorOps<TV>
            where TV : struct =>
            TOps.Multiply(g, TOps.Subtract(TOps.Broadcast(1f), TOps.Multiply(y, y)));
    }

    private readonly struct Sigmoid : IOutputDerivative
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Times<TOps, TV>(TV g, TV y)
            where TOps : struct, IVectorOps<TV>
            where TV : struct =>
            TOps.Multiply(TOps.Multiply(g, y), TOps.Subtract(TOps.Broadcast(1f), y));
    }

    private readonly struct Relu : IOutputDerivative
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Times<TOps, TV>(TV g, TV y)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var zero = TOps.Broadcast(0f);
            return TOps.SelectLess(zero, y, g, zero);
        }
    }

    private readonly ref struct Derivative<TF>(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> result)
        : IColumnKernel
        where TF : struct, IOutputDerivative
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gradient);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly ref float _result = ref MemoryMarshal.GetReference(result);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Columns<TOps, TV>(int j, int count)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            for (; j + TOps.Count <= count; j += TOps.Count)
                TOps.Store(TF.Times<TOps, TV>(TOps.Load(ref _g, j), TOps.Load(ref _y, j)), ref _result, j);
            return j;
        }
    }
}
