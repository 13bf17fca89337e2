using Recurrent.Trainer.Onnx;

namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// A dense tensor in managed memory: the inputs given to <see cref="OnnxRuntimeSession.Run"/> and the outputs
/// copied back from it. The data is row-major in an array of the element type (float[], int[] or long[]).
/// </summary>
public sealed class OnnxRuntimeTensor
{
    private OnnxRuntimeTensor(OnnxType type, long[] shape, Array data)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            count = checked(count * dimension);
        }
        if (count != data.LongLength)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.LongLength}.", nameof(shape));
        Type = type;
        Shape = [.. shape];
        Data = data;
    }

    /// <summary>The element type.</summary>
    public OnnxType Type { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The elements, row-major: a float[], int[] or long[] per <see cref="Type"/>.</summary>
    public Array Data { get; }

    /// <summary>A float tensor over <paramref name="data"/> (not copied: the session reads it in place).</summary>
    public static OnnxRuntimeTensor FromFloats(long[] shape, float[] data) => new(OnnxType.Float, shape, data);

    /// <summary>A 32-bit integer tensor over <paramref name="data"/> (not copied), e.g. <c>sequence_lens</c>.</summary>
    public static OnnxRuntimeTensor FromInt32s(long[] shape, int[] data) => new(OnnxType.Int32, shape, data);

    /// <summary>A 64-bit integer tensor over <paramref name="data"/> (not copied), e.g. token ids.</summary>
    public static OnnxRuntimeTensor FromInt64s(long[] shape, long[] data) => new(OnnxType.Int64, shape, data);

    /// <summary>The data of a float tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another type.</exception>
    public float[] AsFloats() => As<float>();

    /// <summary>The data of a 32-bit integer tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another type.</exception>
    public int[] AsInt32s() => As<int>();

    /// <summary>The data of a 64-bit integer tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another type.</exception>
    public long[] AsInt64s() => As<long>();

    /// <summary>Bytes per element of the types this binding moves across.</summary>
    internal static int ElementSize(OnnxType type) => type switch
    {
        OnnxType.Float or OnnxType.Int32 => 4,
        OnnxType.Int64 or OnnxType.Double => 8,
        _ => throw new OnnxRuntimeException($"Tensors of element type {type} are not supported by this binding."),
    };

    /// <summary>A tensor of <paramref name="type"/> whose data array is allocated here, to be filled by the caller.</summary>
    internal static OnnxRuntimeTensor Allocate(OnnxType type, long[] shape)
    {
        long count = 1;
        foreach (var dimension in shape)
            count = checked(count * dimension);
        Array data = type switch
        {
            OnnxType.Float => new float[count],
            OnnxType.Int32 => new int[count],
            OnnxType.Int64 => new long[count],
            OnnxType.Double => new double[count],
            _ => throw new OnnxRuntimeException($"Tensors of element type {(int)type} are not supported by this binding."),
        };
        return new OnnxRuntimeTensor(type, shape, data);
    }

    private T[] As<T>() => Data as T[]
        ?? throw new InvalidOperationException($"The tensor holds {Type}, not {typeof(T).Name}.");
}
