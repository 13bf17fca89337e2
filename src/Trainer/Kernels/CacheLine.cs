using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// Float buffers whose used part starts on a 64-byte cache line. A .NET float[]'s elements start 16 bytes into a
/// line, so every 512-bit load of a buffer walked in whole vectors straddles two lines (every other 256-bit load).
/// The arrays are pinned, so the first line-aligned element stays where it is.
/// </summary>
internal static class CacheLine
{
    /// <summary>Floats per cache line (64 bytes).</summary>
    public const int Floats = 16;

    /// <summary>A pinned array with room for <paramref name="length"/> floats from its <see cref="Origin"/> on.</summary>
    public static float[] Allocate(int length) => GC.AllocateArray<float>(length + Floats - 1, pinned: true);

    /// <summary>The index of the first element of a pinned array that starts a cache line.</summary>
    public static unsafe int Origin(float[] data)
    {
        const int bytes = Floats * sizeof(float);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
        return (int)((bytes - address % bytes) % bytes) / sizeof(float);
    }

    /// <summary>
    /// <paramref name="length"/> floats starting on a line, from <paramref name="buffer"/> when it holds them (a
    /// scratch buffer reused from call to call), else from a larger pinned one that replaces it.
    /// </summary>
    public static Span<float> Ensure(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length - Floats + 1 < length)
            buffer = Allocate(Math.Max(length, buffer is null ? 0 : buffer.Length + buffer.Length / 2));
        return buffer.AsSpan(Origin(buffer), length);
    }
}
