using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The few vector operations the matrix and gate kernels need, for one vector width (or one float). Kernels take an
/// implementing struct as a type argument, so the JIT compiles one specialised copy per width with every call inlined.
/// </summary>
internal interface IVectorOps<TV>
    where TV : struct
{
    static abstract int Count { get; }

    static abstract TV Load(ref float source, nint offset);

    static abstract TV Broadcast(float value);

    static abstract TV MultiplyAdd(TV a, TV b, TV addend);

    static abstract void Store(TV value, ref float destination, nint offset);

    static abstract TV Add(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    /// <summary>The correctly rounded square root, as every width computes it.</summary>
    static abstract TV Sqrt(TV x);

    /// <summary>Rounds to the nearest integer, ties to even.</summary>
    static abstract TV Round(TV x);

    /// <summary>2ⁿ for integral n in [−126, 127], built from the exponent bits (anything outside gives garbage).</summary>
    static abstract TV PowerOfTwo(TV n);

    static abstract TV Abs(TV x);

    static abstract TV CopySign(TV magnitude, TV sign);

    /// <summary>where a &lt; b then ifLess else otherwise, per element.</summary>
    static abstract TV SelectLess(TV a, TV b, TV ifLess, TV otherwise);

    /// <summary>x limited to [low, high] in two instructions; NaN stays NaN.</summary>
    static abstract TV Clamp(TV x, TV low, TV high);
}

/// <summary>Which width the kernels run: 512 bits where the hardware has them.</summary>
internal static class VectorWidth
{
    /// <summary>Tests set this to run the 256-bit kernels on a machine that has 512-bit vectors.</summary>
    [ThreadStatic]
    internal static bool Force256;

    public static bool Use512 => Vector512.IsHardwareAccelerated && !Force256;
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

    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Sqrt(x);

    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwo(Vector512<float> n) =>
        Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();

    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);

    public static Vector512<float> CopySign(Vector512<float> magnitude, Vector512<float> sign) => Vector512.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectLess(Vector512<float> a, Vector512<float> b, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(a, b), ifLess, otherwise);

    // vmaxps/vminps return their second operand when either is NaN, so x goes second; without AVX-512 (a test's
    // emulated vector) the IEEE Min and Max propagate NaN themselves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, Vector512<float> low, Vector512<float> high) =>
        Avx512F.IsSupported ? Avx512F.Min(high, Avx512F.Max(low, x)) : Vector512.Min(Vector512.Max(x, low), high);
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

    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    public static Vector256<float> Sqrt(Vector256<float> x) => Vector256.Sqrt(x);

    public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwo(Vector256<float> n) =>
        Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();

    public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);

    public static Vector256<float> CopySign(Vector256<float> magnitude, Vector256<float> sign) => Vector256.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectLess(Vector256<float> a, Vector256<float> b, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(a, b), ifLess, otherwise);

    // vmaxps/vminps return their second operand when either is NaN, so x goes second.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> x, Vector256<float> low, Vector256<float> high) =>
        Avx.IsSupported ? Avx.Min(high, Avx.Max(low, x)) : Vector256.Min(Vector256.Max(x, low), high);
}

/// <summary>
/// One float at a time, for the elements after the last whole vector. Every operation rounds as the vector one does,
/// so a tail element gets exactly the bits a vector lane would.
/// </summary>
internal readonly struct ScalarOps : IVectorOps<float>
{
    public static int Count => 1;

    public static float Load(ref float source, nint offset) => Unsafe.Add(ref source, offset);

    public static float Broadcast(float value) => value;

    public static float MultiplyAdd(float a, float b, float addend) => MathF.FusedMultiplyAdd(a, b, addend);

    public static void Store(float value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    public static float Add(float a, float b) => a + b;

    public static float Subtract(float a, float b) => a - b;

    public static float Multiply(float a, float b) => a * b;

    public static float Divide(float a, float b) => a / b;

    public static float Sqrt(float x) => MathF.Sqrt(x);

    public static float Round(float x) => MathF.Round(x);

    public static float PowerOfTwo(float n) => BitConverter.Int32BitsToSingle((int)n + 127 << 23);

    public static float Abs(float x) => MathF.Abs(x);

    public static float CopySign(float magnitude, float sign) => MathF.CopySign(magnitude, sign);

    public static float SelectLess(float a, float b, float ifLess, float otherwise) => a < b ? ifLess : otherwise;

    public static float Clamp(float x, float low, float high) => MathF.Min(MathF.Max(x, low), high);
}
