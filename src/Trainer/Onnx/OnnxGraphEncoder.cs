using Google.Protobuf;
using Fields = Recurrent.Trainer.Onnx.OnnxFieldNumbers;

namespace Recurrent.Trainer.Onnx;

/// <summary>Encodes an <see cref="OnnxGraph"/> as a <c>GraphProto</c>, inputs and outputs as <c>ValueInfoProto</c>s.</summary>
internal static class OnnxGraphEncoder
{
    public static void Write(CodedOutputStream output, OnnxGraph graph)
    {
        foreach (var node in graph.Nodes)
            output.WriteMessageField(Fields.Graph.Node, body => OnnxNodeEncoder.Write(body, node));
        output.WriteStringField(Fields.Graph.Name, graph.Name);
        foreach (var initializer in graph.Initializers)
            output.WriteMessageField(Fields.Graph.Initializer, body => OnnxTensorEncoder.Write(body, initializer));
        if (graph.DocString is not null)
            output.WriteStringField(Fields.Graph.DocString, graph.DocString);
        foreach (var input in graph.Inputs)
            output.WriteMessageField(Fields.Graph.Input, body => WriteValueInfo(body, input));
        foreach (var graphOutput in graph.Outputs)
            output.WriteMessageField(Fields.Graph.Output, body => WriteValueInfo(body, graphOutput));
    }

    private static void WriteValueInfo(CodedOutputStream output, OnnxValueInfo value)
    {
        output.WriteStringField(Fields.ValueInfo.Name, value.Name);
        output.WriteMessageField(Fields.ValueInfo.Type, type =>
            type.WriteMessageField(Fields.TypeProto.TensorType, tensorType => WriteTensorType(tensorType, value)));
    }

    private static void WriteTensorType(CodedOutputStream output, OnnxValueInfo value)
    {
        output.WriteInt64Field(Fields.TensorTypeProto.ElemType, (long)value.Type);
        if (value.Shape is null)
            return;
        // An empty shape message is meaningful (a scalar), so it is written even with no dimensions.
        output.WriteMessageField(Fields.TensorTypeProto.Shape, shape =>
        {
            foreach (var dimension in value.Shape)
                shape.WriteMessageField(Fields.TensorShape.Dim, body => WriteDimension(body, dimension));
        });
    }

    private static void WriteDimension(CodedOutputStream output, OnnxDimension dimension)
    {
        if (dimension.Symbol is not null)
            output.WriteStringField(Fields.Dimension.DimParam, dimension.Symbol);
        else
            output.WriteInt64Field(Fields.Dimension.DimValue, dimension.Size!.Value);
    }
}
