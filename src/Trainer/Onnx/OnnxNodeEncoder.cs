using Google.Protobuf;
using AttributeFields = Recurrent.Trainer.Onnx.OnnxFieldNumbers.Attribute;
using NodeFields = Recurrent.Trainer.Onnx.OnnxFieldNumbers.Node;

namespace Recurrent.Trainer.Onnx;

/// <summary>Encodes an <see cref="OnnxNode"/> as a <c>NodeProto</c> with its <c>AttributeProto</c>s.</summary>
internal static class OnnxNodeEncoder
{
    public static void Write(CodedOutputStream output, OnnxNode node)
    {
        foreach (var input in node.Inputs)
            output.WriteStringField(NodeFields.Input, input);
        foreach (var name in node.Outputs)
            output.WriteStringField(NodeFields.Output, name);
        output.WriteStringField(NodeFields.Name, node.Name);
        output.WriteStringField(NodeFields.OpType, node.OpType);
        foreach (var attribute in node.Attributes)
            output.WriteMessageField(NodeFields.Attribute, body => WriteAttribute(body, attribute));
    }

    private static void WriteAttribute(CodedOutputStream output, OnnxAttribute attribute)
    {
        output.WriteStringField(AttributeFields.Name, attribute.Name);
        switch (attribute.Value)
        {
            case float value:
                output.WriteFloatField(AttributeFields.F, value);
                break;
            case long value:
                output.WriteInt64Field(AttributeFields.I, value);
                break;
            case string value:
                output.WriteStringField(AttributeFields.S, value);
                break;
            case OnnxTensor value:
                output.WriteMessageField(AttributeFields.T, body => OnnxTensorEncoder.Write(body, value));
                break;
            // Repeated scalars go unpacked, one tag per element: the encoding proto2 defines for onnx.proto's
            // plain `repeated` fields, which every parser accepts.
            case float[] values:
                foreach (var value in values)
                    output.WriteFloatField(AttributeFields.Floats, value);
                break;
            case long[] values:
                foreach (var value in values)
                    output.WriteInt64Field(AttributeFields.Ints, value);
                break;
            case string[] values:
                foreach (var value in values)
                    output.WriteStringField(AttributeFields.Strings, value);
                break;
            default:
                throw new InvalidOperationException($"Attribute '{attribute.Name}' holds an unsupported {attribute.Value.GetType()}.");
        }
        // ONNX requires the type even where the set value field already implies it.
        output.WriteInt64Field(AttributeFields.Type, (long)attribute.Type);
    }
}
