using Google.Protobuf;
using Onnx;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Maps the project's graph model to OnnxSharp's generated ONNX protobuf classes (namespace <c>Onnx</c>) at the
/// point of writing. The builder's types stay ours: they check a graph as it is built and carry only what we
/// emit, while the generated classes carry every field of onnx.proto and none of our rules.
/// </summary>
internal static class OnnxProtoMapping
{
    /// <summary>The <c>ModelProto</c> of <paramref name="model"/>; fields left null in the model stay unset.</summary>
    public static ModelProto ToProto(OnnxModel model)
    {
        var proto = new ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName,
            Graph = ToProto(model.Graph),
        };
        if (model.ProducerVersion is not null)
            proto.ProducerVersion = model.ProducerVersion;
        if (model.ModelVersion is long version)
            proto.ModelVersion = version;
        if (model.DocString is not null)
            proto.DocString = model.DocString;
        // The default domain (""), and ai.onnx.ml where a graph maps strings: every operator we emit is a standard one.
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = model.OpsetVersion });
        foreach (var (domain, opset) in model.ExtraOpsets)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = opset });
        foreach (var (key, value) in model.Metadata)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    private static GraphProto ToProto(OnnxGraph graph)
    {
        var proto = new GraphProto { Name = graph.Name };
        if (graph.DocString is not null)
            proto.DocString = graph.DocString;
        proto.Node.AddRange(graph.Nodes.Select(ToProto));
        proto.Initializer.AddRange(graph.Initializers.Select(ToProto));
        proto.Input.AddRange(graph.Inputs.Select(ToProto));
        proto.Output.AddRange(graph.Outputs.Select(ToProto));
        return proto;
    }

    private static NodeProto ToProto(OnnxNode node)
    {
        var proto = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain };
        proto.Input.AddRange(node.Inputs);
        proto.Output.AddRange(node.Outputs);
        proto.Attribute.AddRange(node.Attributes.Select(ToProto));
        return proto;
    }

    private static AttributeProto ToProto(OnnxAttribute attribute)
    {
        // ONNX requires the type even where the set value field already implies it; our enum holds ONNX's codes.
        var proto = new AttributeProto { Name = attribute.Name, Type = (AttributeProto.Types.AttributeType)attribute.Type };
        switch (attribute.Value)
        {
            case float value: proto.F = value; break;
            case long value: proto.I = value; break;
            case string value: proto.S = ByteString.CopyFromUtf8(value); break;
            case OnnxTensor value: proto.T = ToProto(value); break;
            case OnnxGraph value: proto.G = ToProto(value); break;
            case float[] values: proto.Floats.AddRange(values); break;
            case long[] values: proto.Ints.AddRange(values); break;
            case string[] values: proto.Strings.AddRange(values.Select(ByteString.CopyFromUtf8)); break;
            default:
                throw new InvalidOperationException($"Attribute '{attribute.Name}' holds an unsupported {attribute.Value.GetType()}.");
        }
        return proto;
    }

    private static TensorProto ToProto(OnnxTensor tensor)
    {
        var proto = new TensorProto
        {
            Name = tensor.Name,
            DataType = (int)tensor.Type,
            // OnnxTensor owns its bytes and never changes them, so they are wrapped rather than copied.
            RawData = UnsafeByteOperations.UnsafeWrap(tensor.RawData),
        };
        proto.Dims.AddRange(tensor.Dimensions);
        return proto;
    }

    private static ValueInfoProto ToProto(OnnxValueInfo value)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)value.Type };
        // An empty shape is meaningful (a scalar) and is kept; a null shape (rank unknown) leaves it unset.
        if (value.Shape is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            tensorType.Shape.Dim.AddRange(value.Shape.Select(ToProto));
        }
        return new ValueInfoProto { Name = value.Name, Type = new TypeProto { TensorType = tensorType } };
    }

    private static TensorShapeProto.Types.Dimension ToProto(OnnxDimension dimension) =>
        dimension.Symbol is not null
            ? new TensorShapeProto.Types.Dimension { DimParam = dimension.Symbol }
            : new TensorShapeProto.Types.Dimension { DimValue = dimension.Size!.Value };
}
