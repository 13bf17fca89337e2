namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The kinds of node attribute the writer emits. The numeric values are ONNX's
/// <c>AttributeProto.AttributeType</c> codes.
/// </summary>
internal enum OnnxAttributeType
{
    /// <summary>One float.</summary>
    Float = 1,

    /// <summary>One 64-bit integer.</summary>
    Int = 2,

    /// <summary>One string.</summary>
    String = 3,

    /// <summary>One constant tensor.</summary>
    Tensor = 4,

    /// <summary>A subgraph (the body of a <c>Loop</c>).</summary>
    Graph = 5,

    /// <summary>A list of floats.</summary>
    Floats = 6,

    /// <summary>A list of 64-bit integers.</summary>
    Ints = 7,

    /// <summary>A list of strings.</summary>
    Strings = 8,
}
