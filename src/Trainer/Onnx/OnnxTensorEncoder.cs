using Google.Protobuf;
using Fields = Recurrent.Trainer.Onnx.OnnxFieldNumbers.Tensor;

namespace Recurrent.Trainer.Onnx;

/// <summary>Encodes an <see cref="OnnxTensor"/> as a <c>TensorProto</c> with its values in <c>raw_data</c>.</summary>
internal static class OnnxTensorEncoder
{
    public static void Write(CodedOutputStream output, OnnxTensor tensor)
    {
        foreach (var dimension in tensor.Dimensions)
            output.WriteInt64Field(Fields.Dims, dimension);
        output.WriteInt64Field(Fields.DataType, (long)tensor.Type);
        output.WriteStringField(Fields.Name, tensor.Name);
        output.WriteBytesField(Fields.RawData, tensor.RawData);
    }
}
