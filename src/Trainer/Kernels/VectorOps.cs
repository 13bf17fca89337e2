using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The few vector operations the matrix kernels need, for one vector width. Kernels take an implementing struct as a
/// type argument, so the JIT compiles one specialised copy per width with every call inlined.
/// </summary>
internal interface IVectorOps<TV>
    where TV : struct
{
    static abstract int Count { get; }

    static abstract TV Load(ref float source, nint offset);

    static abstract TV Broadcast(float value);

    static abstract TV MultiplyAdd(TV a, TV b, TV addend);

    static abstract void Store(TV value, ref float destination, nint offset);
}

/// <summary>AVX-512: sixteen floats.</summary>
internal readonly struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) =>
        value.StoreUnsafe(ref destination, (nuint)offset);
}

/// <summary>AVX2 and the portable fallback: eight floats.</summary>
internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Vector256.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) =>
        value.StoreUnsafe(ref destination, (nuint)offset);
}
