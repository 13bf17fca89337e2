using Google.Protobuf;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.Tests.Onnx;

/// <summary>
/// The wire bytes of small messages, worked out by hand from the protobuf encoding rules and the field numbers
/// in reference/onnx.md, so a wrong field number or wire type shows here before any peer is involved.
/// </summary>
public sealed class OnnxEncodingTests
{
    [Fact]
    public void A_float_tensor_is_dims_type_name_and_little_endian_raw_data()
    {
        var bytes = ProtobufFields.Encode(output => OnnxTensorEncoder.Write(output, OnnxTensor.FromFloats("w", [2], [1f, -2f])));

        byte[] expected =
        [
            0x08, 0x02,                   // dims (1, varint) = 2
            0x10, 0x01,                   // data_type (2, varint) = FLOAT
            0x42, 0x01, (byte)'w',        // name (8, length-delimited)
            0x4A, 0x08,                   // raw_data (9, length-delimited), 8 bytes
            0x00, 0x00, 0x80, 0x3F,       // 1f
            0x00, 0x00, 0x00, 0xC0,       // -2f
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void An_int64_tensor_keeps_negative_values_in_eight_bytes()
    {
        var tensor = OnnxTensor.FromInt64s("s", [2], [0, -1]);

        Assert.Equal(OnnxType.Int64, tensor.Type);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], tensor.RawData.ToArray());
    }

    [Fact]
    public void A_node_lists_inputs_outputs_name_op_and_typed_attributes()
    {
        var node = new OnnxNode("Neg", "n", ["x"], ["y"], [OnnxAttribute.Int("axis", -1)]);

        var bytes = ProtobufFields.Encode(output => OnnxNodeEncoder.Write(output, node));

        byte[] expected =
        [
            0x0A, 0x01, (byte)'x',                                // input (1)
            0x12, 0x01, (byte)'y',                                // output (2)
            0x1A, 0x01, (byte)'n',                                // name (3)
            0x22, 0x03, (byte)'N', (byte)'e', (byte)'g',          // op_type (4)
            0x2A, 0x14,                                           // attribute (5), 20 bytes
            0x0A, 0x04, (byte)'a', (byte)'x', (byte)'i', (byte)'s', // name (1)
            0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, // i (3) = -1, ten-byte varint
            0xA0, 0x01, 0x02,                                     // type (20) = INT
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void List_attributes_are_written_one_tag_per_element()
    {
        var node = new OnnxNode("T", "t", [], [], [OnnxAttribute.Floats("f", 0.5f, 1f), OnnxAttribute.Strings("s", "a", "")]);

        var bytes = ProtobufFields.Encode(output => OnnxNodeEncoder.Write(output, node));

        byte[] floats = [0x0A, 0x01, (byte)'f', 0x3D, 0x00, 0x00, 0x00, 0x3F, 0x3D, 0x00, 0x00, 0x80, 0x3F, 0xA0, 0x01, 0x06];
        byte[] strings = [0x0A, 0x01, (byte)'s', 0x4A, 0x01, (byte)'a', 0x4A, 0x00, 0xA0, 0x01, 0x08];
        byte[] expected =
        [
            0x1A, 0x01, (byte)'t', 0x22, 0x01, (byte)'T',
            0x2A, (byte)floats.Length, .. floats,
            0x2A, (byte)strings.Length, .. strings,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void A_model_starts_with_ir_version_and_producer_and_imports_the_default_opset()
    {
        var g = new OnnxGraphBuilder("g");
        var bytes = OnnxModelWriter.ToBytes(new OnnxModel(g.Build()));

        byte[] header = [0x08, 0x08, 0x12, 0x09, .. "Recurrent"u8];
        byte[] graph = [0x3A, 0x03, 0x12, 0x01, (byte)'g'];            // graph (7) holding only name (2)
        byte[] opset = [0x42, 0x04, 0x0A, 0x00, 0x10, 0x11];           // opset_import (8): domain "", version 17
        Assert.Equal([.. header, .. graph, .. opset], bytes);
    }

    [Fact]
    public void Metadata_entries_are_key_value_pairs_in_field_fourteen()
    {
        var model = new OnnxModel(new OnnxGraphBuilder("g").Build()) { Metadata = [new("k", "v")] };

        var bytes = OnnxModelWriter.ToBytes(model);

        Assert.Equal([0x72, 0x06, 0x0A, 0x01, (byte)'k', 0x12, 0x01, (byte)'v'], bytes[^8..]);
    }

    [Fact]
    public void Writing_to_a_stream_and_to_a_file_give_the_same_bytes_as_ToBytes()
    {
        var g = new OnnxGraphBuilder("same");
        g.AddInput("x", OnnxType.Float, ["batch", 2]);
        g.AddInitializer("w", [2, 2], [1f, 2f, 3f, 4f]);
        g.AddNode("MatMul", ["x", "w"], ["y"]);
        g.AddOutput("y", OnnxType.Float, ["batch", 2]);
        var model = new OnnxModel(g.Build()) { DocString = "d", ProducerVersion = "1" };
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
    public void Encoded_bytes_parse_back_with_protobuf_itself()
    {
        var bytes = OnnxModelWriter.ToBytes(new OnnxModel(new OnnxGraphBuilder("g").Build()) { ModelVersion = 300 });

        var input = new CodedInputStream(bytes);
        var fields = new List<int>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            fields.Add(WireFormat.GetTagFieldNumber(tag));
            input.SkipLastField();
        }

        Assert.Equal([1, 2, 5, 7, 8], fields);
    }
}
