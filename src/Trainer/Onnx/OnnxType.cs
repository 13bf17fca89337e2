namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Element types of ONNX tensors. The numeric values are ONNX's <c>TensorProto.DataType</c> codes, so they
/// are written to the file as they are.
/// </summary>
internal enum OnnxType
{
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,

    /// <summary>32-bit signed integer (for example <c>sequence_lens</c>).</summary>
    Int32 = 6,

    /// <summary>UTF-8 text.</summary>
    String = 8,

    /// <summary>64-bit signed integer (for example token ids, shapes, axes).</summary>
    Int64 = 7,

    /// <summary>Boolean (for example ML.NET's binary PredictedLabel).</summary>
    Bool = 9,

    /// <summary>64-bit IEEE float.</summary>
    Double = 11,

    /// <summary>32-bit unsigned integer (ML.NET key values).</summary>
    UInt32 = 12,
}
