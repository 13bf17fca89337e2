using Google.Protobuf;
using Onnx;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.Tests.Onnx;

/// <summary>
/// What the writer's bytes say once parsed back as a <c>ModelProto</c> (OnnxSharp's generated parser, which
/// knows nothing of our graph model): versions, opset, metadata, tensors, shapes and every attribute type.
/// A wrong field or type shows here before any peer (the onnx checker, ONNX Runtime) is involved.
/// </summary>
public sealed class OnnxWriterTests
{
    private static ModelProto WriteAndParse(OnnxModel model) => ModelProto.Parser.ParseFrom(OnnxModelWriter.ToBytes(model));

    private static OnnxModel SmallModel()
    {
        var g = new OnnxGraphBuilder("small") { DocString = "graph doc" };
        g.AddInput("x", OnnxType.Float, ["batch", 2]);
        g.AddInitializer("w", [2, 2], [1f, -2f, 0.5f, 4f]);
        g.AddInitializer("shape", [2], [0L, -1L]);
        g.AddInitializer("lens", [1], [7]);
        g.AddNode("MatMul", ["x", "w"], ["y"]);
        g.AddOutput("y", OnnxType.Float, ["batch", 2]);
        return new OnnxModel(g.Build())
        {
            DocString = "model doc",
            ProducerVersion = "1.2",
            ModelVersion = 300,
            Metadata = [new("recurrent.labels", "[\"neg\",\"pos\"]"), new("k", "é")],
        };
    }

    [Fact]
    public void A_model_declares_ir_8_and_imports_the_default_opset_17()
    {
        var proto = WriteAndParse(new OnnxModel(new OnnxGraphBuilder("g").Build()));

        Assert.Equal(8, proto.IrVersion);
        var opset = Assert.Single(proto.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal("Recurrent", proto.ProducerName);
        Assert.Equal("g", proto.Graph.Name);
        // Unset optional fields stay at protobuf's defaults.
        Assert.Equal("", proto.ProducerVersion);
        Assert.Equal(0, proto.ModelVersion);
        Assert.Empty(proto.MetadataProps);
    }

    [Fact]
    public void Model_fields_and_metadata_props_come_back_in_order()
    {
        var proto = WriteAndParse(SmallModel());

        Assert.Equal("1.2", proto.ProducerVersion);
        Assert.Equal(300, proto.ModelVersion);
        Assert.Equal("model doc", proto.DocString);
        Assert.Equal("graph doc", proto.Graph.DocString);
        Assert.Equal([("recurrent.labels", "[\"neg\",\"pos\"]"), ("k", "é")], proto.MetadataProps.Select(e => (e.Key, e.Value)));
    }

    [Fact]
    public void Initializers_keep_type_dims_and_little_endian_raw_data()
    {
        var initializers = WriteAndParse(SmallModel()).Graph.Initializer;

        Assert.Equal(["w", "shape", "lens"], initializers.Select(t => t.Name));
        Assert.Equal([(int)TensorProto.Types.DataType.Float, (int)TensorProto.Types.DataType.Int64, (int)TensorProto.Types.DataType.Int32],
            initializers.Select(t => t.DataType));
        Assert.Equal([2L, 2L], initializers[0].Dims);
        Assert.Equal([2L], initializers[1].Dims);
        Assert.Equal(
            [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x80, 0x40],
            initializers[0].RawData.ToByteArray());
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], initializers[1].RawData.ToByteArray());
        Assert.Equal([7, 0, 0, 0], initializers[2].RawData.ToByteArray());
        // Values live only in raw_data, never in the typed fields as well.
        Assert.All(initializers, t => Assert.Empty(t.FloatData));
    }

    [Fact]
    public void Inputs_and_outputs_carry_element_type_and_symbolic_or_fixed_dims()
    {
        var g = new OnnxGraphBuilder("io");
        g.AddInput("x", OnnxType.Int64, ["batch", "sequence"]);
        g.AddInput("scalar", OnnxType.Float, []);
        g.AddNode("Identity", ["x"], ["y"]);
        g.AddOutput("y", OnnxType.Int64, ["batch", 0]);
        var graph = WriteAndParse(new OnnxModel(g.Build())).Graph;

        var x = graph.Input[0].Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Int64, x.ElemType);
        Assert.Equal(["batch", "sequence"], x.Shape.Dim.Select(d => d.DimParam));
        // A scalar has a shape with no dimensions, which is not the same as no shape at all.
        Assert.NotNull(graph.Input[1].Type.TensorType.Shape);
        Assert.Empty(graph.Input[1].Type.TensorType.Shape.Dim);
        // A fixed 0 is still a dim_value, not an unset dimension.
        var second = graph.Output[0].Type.TensorType.Shape.Dim[1];
        Assert.Equal(TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue, second.ValueCase);
        Assert.Equal(0, second.DimValue);
    }

    [Fact]
    public void A_node_keeps_inputs_outputs_name_op_and_typed_attributes()
    {
        var g = new OnnxGraphBuilder("n");
        g.AddInput("x", OnnxType.Float, ["batch", "sequence", 3]);
        g.AddNode("RNN", ["x", "", "", ""], ["", "h"],
            OnnxAttribute.Int("hidden_size", 2),
            OnnxAttribute.Int("axis", -1),
            OnnxAttribute.Float("clip", 2.5f),
            OnnxAttribute.String("direction", "forward"),
            OnnxAttribute.Strings("activations", "Tanh", ""),
            OnnxAttribute.Floats("activation_alpha", 0.1f, 0.25f),
            OnnxAttribute.Ints("perm", 1, 0, 2),
            OnnxAttribute.Tensor("value", OnnxTensor.FromFloats("c", [1, 2], [1.5f, -2f])));
        g.AddOutput("h", OnnxType.Float, [1, "batch", 2]);
        var node = Assert.Single(WriteAndParse(new OnnxModel(g.Build())).Graph.Node);

        Assert.Equal("RNN", node.OpType);
        Assert.Equal("RNN_0", node.Name);
        Assert.Equal(["x", "", "", ""], node.Input);
        Assert.Equal(["", "h"], node.Output);
        var attributes = node.Attribute.ToDictionary(a => a.Name);
        Assert.Equal(AttributeProto.Types.AttributeType.Int, attributes["hidden_size"].Type);
        Assert.Equal(2, attributes["hidden_size"].I);
        Assert.Equal(-1, attributes["axis"].I);
        Assert.Equal(AttributeProto.Types.AttributeType.Float, attributes["clip"].Type);
        Assert.Equal(2.5f, attributes["clip"].F);
        Assert.Equal(AttributeProto.Types.AttributeType.String, attributes["direction"].Type);
        Assert.Equal("forward", attributes["direction"].S.ToStringUtf8());
        Assert.Equal(AttributeProto.Types.AttributeType.Strings, attributes["activations"].Type);
        Assert.Equal(["Tanh", ""], attributes["activations"].Strings.Select(s => s.ToStringUtf8()));
        Assert.Equal(AttributeProto.Types.AttributeType.Floats, attributes["activation_alpha"].Type);
        Assert.Equal([0.1f, 0.25f], attributes["activation_alpha"].Floats);
        Assert.Equal(AttributeProto.Types.AttributeType.Ints, attributes["perm"].Type);
        Assert.Equal([1L, 0L, 2L], attributes["perm"].Ints);
        Assert.Equal(AttributeProto.Types.AttributeType.Tensor, attributes["value"].Type);
        var tensor = attributes["value"].T;
        Assert.Equal(("c", (int)TensorProto.Types.DataType.Float), (tensor.Name, tensor.DataType));
        Assert.Equal([1L, 2L], tensor.Dims);
        Assert.Equal([0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0], tensor.RawData.ToByteArray());
    }

    [Fact]
    public void An_int_attribute_of_zero_still_says_its_type()
    {
        // proto3 code leaves a zero i off the wire; the type field is what tells ONNX the attribute is an INT 0.
        var g = new OnnxGraphBuilder("z");
        g.AddInput("x", OnnxType.Float, [2]);
        g.AddNode("Flatten", ["x"], ["y"], OnnxAttribute.Int("axis", 0));
        g.AddOutput("y", OnnxType.Float, [1, 2]);

        var attribute = Assert.Single(Assert.Single(WriteAndParse(new OnnxModel(g.Build())).Graph.Node).Attribute);

        Assert.Equal(("axis", AttributeProto.Types.AttributeType.Int, 0L), (attribute.Name, attribute.Type, attribute.I));
    }

    [Fact]
    public void The_same_model_writes_the_same_bytes_every_time()
    {
        var model = SmallModel();
        var first = OnnxModelWriter.ToBytes(model);

        // Again from the same instance, and from a model built anew from the same calls.
        Assert.Equal(first, OnnxModelWriter.ToBytes(model));
        for (var i = 0; i < 3; i++)
            Assert.Equal(first, OnnxModelWriter.ToBytes(SmallModel()));
    }

    [Fact]
    public void Writing_to_a_stream_and_to_a_file_give_the_same_bytes_as_ToBytes()
    {
        var model = SmallModel();
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-writer-{Guid.NewGuid():N}.onnx");

        using var stream = new MemoryStream();
        OnnxModelWriter.Write(stream, model);
        OnnxModelWriter.WriteFile(path, model);
        try
        {
            Assert.Equal(OnnxModelWriter.ToBytes(model), stream.ToArray());
            Assert.Equal(OnnxModelWriter.ToBytes(model), File.ReadAllBytes(path));
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Top_level_fields_are_on_the_wire_in_field_number_order()
    {
        var bytes = OnnxModelWriter.ToBytes(new OnnxModel(new OnnxGraphBuilder("g").Build()) { ModelVersion = 300, Metadata = [new("k", "v")] });

        var input = new CodedInputStream(bytes);
        var fields = new List<int>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            fields.Add(WireFormat.GetTagFieldNumber(tag));
            input.SkipLastField();
        }

        // ir_version, producer_name, model_version, graph, opset_import, metadata_props
        Assert.Equal([1, 2, 5, 7, 8, 14], fields);
    }

    [Fact]
    public void The_metadata_reader_returns_what_the_writer_wrote_and_names_an_unreadable_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-metadata-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxModelWriter.WriteFile(path, SmallModel());
            var metadata = OnnxMetadataReader.Read(path);
            Assert.Equal("[\"neg\",\"pos\"]", metadata["recurrent.labels"]);
            Assert.Equal("é", metadata["k"]);

            File.WriteAllBytes(path, [0x0A, 0xFF, 0x01]);   // a length-delimited field longer than the file
            var error = Assert.Throws<InvalidDataException>(() => OnnxMetadataReader.Read(path));
            Assert.StartsWith($"{path}: not a readable ONNX model", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
