using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// y = f(z) element by element over a span (y may be z itself): the LSTM's gate sweeps and the Elman cell's h = f(a).
/// Each activation is a loop of its own whose body is that one function, short and with few live values, so the JIT
/// keeps it in registers and the processor overlaps many iterations' exp chains.
/// </summary>
internal static class ElementwiseActivation
{
    /// <summary>y = σ(z).</summary>
    public static void Sigmoid(ReadOnlySpan<float> z, Span<float> y) => Run<SigmoidFunction>(z, y);

    /// <summary>y = tanh z.</summary>
    public static void Tanh(ReadOnlySpan<float> z, Span<float> y) => Run<TanhFunction>(z, y);

    /// <summary>y = max(z, 0).</summary>
    public static void Relu(ReadOnlySpan<float> z, Span<float> y) => Run<ReluFunction>(z, y);

    private static void Run<TF>(ReadOnlySpan<float> z, Span<float> y)
        where TF : struct, IFunction
    {
        var kernel = new Sweep<TF>(z[..y.Length], y);
        ColumnKernel.Run(ref kernel, y.Length);
    }

    private interface IFunction
    {
        static abstract TV Apply<TOps, TV>(TV x)
            where TOps : struct, IVectorOps<TV>
            where TV : struct;
    }

    private readonly struct SigmoidFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TOps, TV>(TV x)
            where TOps : struct, IVectorOps<TV>
            where TV : struct => Activations.Sigmoid<TOps, TV>(x);
    }

    private readonly struct TanhFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TOps, TV>(TV x)
            where TOps : struct, IVectorOps<TV>
            where TV : struct => Activations.Tanh<TOps, TV>(x);
    }

    private readonly struct ReluFunction : IFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TOps, TV>(TV x)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var zero = TOps.Broadcast(0f);
            return TOps.SelectLess(x, zero, zero, x);
        }
    }

    private readonly ref struct Sweep<TF>(ReadOnlySpan<float> z, Span<float> y) : IColumnKernel
        where TF : struct, IFunction
    {
        private readonly ref float _z = ref MemoryMarshal.GetReference(z);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);

        // A call of its own, not inlined into ColumnKernel.Run: as its own compilation it has the inlining budget for
        // the activation (inlined into Run, the JIT ran out of budget and called Sigmoid and Tanh, passing vectors
        // through memory).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Columns<TOps, TV>(int j, int count)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            for (; j + TOps.Count <= count; j += TOps.Count)
                TOps.Store(TF.Apply<TOps, TV>(TOps.Load(ref _z, j)), ref _y, j);
            return j;
        }
    }
}
