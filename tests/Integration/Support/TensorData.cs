using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// A dense row-major tensor in managed memory (float[], int[] or long[]), the common currency of the peers: fed to
/// ONNX Runtime as an <see cref="OrtValue"/>, written as JSON for onnxruntime-node, and compared element by element.
/// </summary>
internal sealed class TensorData
{
    private TensorData(OnnxType type, long[] shape, Array data)
    {
        Assert.Equal(shape.Aggregate(1L, (count, dimension) => count * dimension), data.LongLength);
        Type = type;
        Shape = shape;
        Data = data;
    }

    public OnnxType Type { get; }

    public IReadOnlyList<long> Shape { get; }

    public Array Data { get; }

    public static TensorData FromFloats(long[] shape, float[] data) => new(OnnxType.Float, shape, data);

    public static TensorData FromInt32s(long[] shape, int[] data) => new(OnnxType.Int32, shape, data);

    public static TensorData FromInt64s(long[] shape, long[] data) => new(OnnxType.Int64, shape, data);

    public float[] AsFloats() => Assert.IsType<float[]>(Data);

    public long[] AsInt64s() => Assert.IsType<long[]>(Data);

    /// <summary>An OrtValue over this tensor's array (pinned, read in place).</summary>
    public OrtValue ToOrtValue() => Data switch
    {
        float[] floats => OrtValue.CreateTensorValueFromMemory(floats, [.. Shape]),
        int[] ints => OrtValue.CreateTensorValueFromMemory(ints, [.. Shape]),
        long[] longs => OrtValue.CreateTensorValueFromMemory(longs, [.. Shape]),
        _ => throw new NotSupportedException(Data.GetType().Name),
    };

    /// <summary>A copy of an output tensor of ONNX Runtime.</summary>
    public static TensorData FromOrtValue(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType switch
        {
            TensorElementType.Float => FromFloats(info.Shape, value.GetTensorDataAsSpan<float>().ToArray()),
            TensorElementType.Int32 => FromInt32s(info.Shape, value.GetTensorDataAsSpan<int>().ToArray()),
            TensorElementType.Int64 => FromInt64s(info.Shape, value.GetTensorDataAsSpan<long>().ToArray()),
            var other => throw new NotSupportedException(other.ToString()),
        };
    }
}
