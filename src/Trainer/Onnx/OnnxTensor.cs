using System.Buffers.Binary;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// A constant tensor: a graph initializer (weights, biases, shapes) or the value of a tensor attribute.
/// The values are kept as ONNX's <c>raw_data</c>, little-endian whatever the machine, so the writer copies
/// them to the file without interpreting them.
/// </summary>
internal sealed class OnnxTensor
{
    private OnnxTensor(string name, OnnxType type, long[] dimensions, byte[] rawData)
    {
        Name = name;
        Type = type;
        Dimensions = dimensions;
        RawData = rawData;
    }

    /// <summary>The tensor's name (the value name other nodes refer to, for an initializer).</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public OnnxType Type { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The elements in row-major order as little-endian bytes.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>A float tensor; <paramref name="values"/> is row-major and is copied.</summary>
    public static OnnxTensor FromFloats(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<float> values)
    {
        var bytes = new byte[CheckedCount(name, dimensions, values.Length) * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return new OnnxTensor(name, OnnxType.Float, dimensions.ToArray(), bytes);
    }

    /// <summary>A 64-bit integer tensor; <paramref name="values"/> is row-major and is copied.</summary>
    public static OnnxTensor FromInt64s(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<long> values)
    {
        var bytes = new byte[CheckedCount(name, dimensions, values.Length) * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return new OnnxTensor(name, OnnxType.Int64, dimensions.ToArray(), bytes);
    }

    /// <summary>A 32-bit integer tensor; <paramref name="values"/> is row-major and is copied.</summary>
    public static OnnxTensor FromInt32s(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<int> values)
    {
        var bytes = new byte[CheckedCount(name, dimensions, values.Length) * sizeof(int)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        return new OnnxTensor(name, OnnxType.Int32, dimensions.ToArray(), bytes);
    }

    /// <summary>The same tensor under another name (a graph inlined into another renames its constants).</summary>
    public OnnxTensor WithName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new OnnxTensor(name, Type, [.. Dimensions], RawData.ToArray());
    }

    // A mismatch between shape and data would only surface as an obscure load error in ONNX Runtime, so it is
    // caught here where the caller can still see which tensor was wrong.
    private static int CheckedCount(string name, ReadOnlySpan<long> dimensions, int valueCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        long expected = 1;
        foreach (var dimension in dimensions)
        {
            if (dimension < 0)
                throw new ArgumentException($"Tensor '{name}' has a negative dimension {dimension}.", nameof(dimensions));
            expected = checked(expected * dimension);
        }
        if (expected != valueCount)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape [{string.Join(", ", dimensions.ToArray())}] ({expected} elements) but {valueCount} values.",
                nameof(dimensions));
        }
        return valueCount;
    }
}
