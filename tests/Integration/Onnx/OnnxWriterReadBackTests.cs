using System.Text.Json.Nodes;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// What the onnx package's own parser reads back from our file is what the builder was given: every model
/// field, symbolic and fixed dimensions, initializers' exact values and every attribute type.
/// </summary>
public sealed class OnnxWriterReadBackTests
{
    [Fact]
    public void The_onnx_parser_reads_back_every_field_the_writer_was_given()
    {
        var g = new OnnxGraphBuilder("read_back") { DocString = "graph description" };
        g.AddInput("x", OnnxType.Float, ["batch", "sequence", 3]);
        g.AddInitializer("weights", [2, 3], [0.5f, -1.25f, 3e-8f, float.MaxValue, -0f, 1f / 3]);
        g.AddInitializer("shape", [2], [0L, -1L]);
        g.AddInitializer("counts", [3], [1, -2, int.MaxValue]);
        g.AddNode("Transpose", ["x"], ["t"], OnnxAttribute.Ints("perm", 1, 0, 2));
        g.AddNode("RNN", ["t", "", "", ""], ["", "h"],
            OnnxAttribute.Int("hidden_size", 2),
            OnnxAttribute.Float("clip", 2.5f),
            OnnxAttribute.String("direction", "forward"),
            OnnxAttribute.Strings("activations", "LeakyRelu"),
            OnnxAttribute.Floats("activation_alpha", 0.1f, 0.25f));
        g.AddNode("Constant", [], ["c"], OnnxAttribute.Tensor("value", OnnxTensor.FromFloats("c", [1, 2], [1.5f, -2f])));
        g.AddOutput("h", OnnxType.Float, [1, "batch", 2]);
        g.AddOutput("c", OnnxType.Float, [1, 2]);
        var model = new OnnxModel(g.Build())
        {
            ProducerVersion = "0.1.0",
            ModelVersion = 3,
            DocString = "model description",
            Metadata = [new("vocabulary", "[\"<pad>\",\"<unk>\",\"é\"]"), new("labels", "neg,pos")],
        };

        using var directory = new TemporaryDirectory();
        var path = directory.File("read_back.onnx");
        OnnxModelWriter.WriteFile(path, model);
        var read = DescribeWithoutChecking(path);

        Assert.Equal(8, read["ir_version"]!.GetValue<int>());
        Assert.Equal("""[{"domain":"","version":17}]""", read["opsets"]!.ToJsonString());
        Assert.Equal("Recurrent", read["producer_name"]!.GetValue<string>());
        Assert.Equal("0.1.0", read["producer_version"]!.GetValue<string>());
        Assert.Equal(3, read["model_version"]!.GetValue<int>());
        Assert.Equal("model description", read["doc_string"]!.GetValue<string>());
        Assert.Equal("""[["vocabulary","[\"<pad>\",\"<unk>\",\"é\"]"],["labels","neg,pos"]]""",
            read["metadata"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

        var graph = read["graph"]!;
        Assert.Equal("read_back", graph["name"]!.GetValue<string>());
        Assert.Equal("graph description", graph["doc_string"]!.GetValue<string>());
        Assert.Equal("""[{"name":"x","elem_type":1,"dims":["batch","sequence",3]}]""", graph["inputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"h","elem_type":1,"dims":[1,"batch",2]},{"name":"c","elem_type":1,"dims":[1,2]}]""",
            graph["outputs"]!.ToJsonString());

        var initializers = graph["initializers"]!.AsArray();
        Assert.Equal(["weights", "shape", "counts"], initializers.Select(i => i!["name"]!.GetValue<string>()));
        Assert.Equal([1, 7, 6], initializers.Select(i => i!["data_type"]!.GetValue<int>()));
        Assert.Equal([0.5f, -1.25f, 3e-8f, float.MaxValue, -0f, 1f / 3],
            initializers[0]!["values"]!.AsArray().Select(v => (float)v!.GetValue<double>()));
        Assert.Equal([0L, -1L], initializers[1]!["values"]!.AsArray().Select(v => v!.GetValue<long>()));
        Assert.Equal([1, -2, int.MaxValue], initializers[2]!["values"]!.AsArray().Select(v => v!.GetValue<int>()));

        var nodes = graph["nodes"]!.AsArray();
        Assert.Equal(["Transpose_0", "RNN_1", "Constant_2"], nodes.Select(n => n!["name"]!.GetValue<string>()));
        Assert.Equal("""["t","","",""]""", nodes[1]!["inputs"]!.ToJsonString());
        Assert.Equal("""["","h"]""", nodes[1]!["outputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"perm","type":7,"value":[1,0,2]}]""", nodes[0]!["attributes"]!.ToJsonString());
        var rnn = nodes[1]!["attributes"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a!);
        Assert.Equal("""{"name":"hidden_size","type":2,"value":2}""", rnn["hidden_size"].ToJsonString());
        Assert.Equal("""{"name":"clip","type":1,"value":2.5}""", rnn["clip"].ToJsonString());
        Assert.Equal("""{"name":"direction","type":3,"value":"forward"}""", rnn["direction"].ToJsonString());
        Assert.Equal("""{"name":"activations","type":8,"value":["LeakyRelu"]}""", rnn["activations"].ToJsonString());
        Assert.Equal("""{"name":"activation_alpha","type":6,"value":[0.10000000149011612,0.25]}""", rnn["activation_alpha"].ToJsonString());
        Assert.Equal("""[{"name":"value","type":4,"value":{"name":"c","data_type":1,"dims":[1,2],"values":[1.5,-2.0]}}]""",
            nodes[2]!["attributes"]!.ToJsonString());
    }

    [Fact]
    public void The_checker_accepts_a_graph_with_only_symbolic_input_dimensions()
    {
        var g = new OnnxGraphBuilder("identity");
        g.AddInput("x", OnnxType.Float, ["batch", "sequence"]);
        g.AddNode("Identity", ["x"], ["y"]);
        g.AddOutput("y", OnnxType.Float, ["batch", "sequence"]);
        using var directory = new TemporaryDirectory();
        var path = directory.File("identity.onnx");
        OnnxModelWriter.WriteFile(path, new OnnxModel(g.Build()));

        var read = OnnxChecker.CheckAndDescribe(path);

        Assert.Equal("Identity", read["graph"]!["nodes"]![0]!["op_type"]!.GetValue<string>());
    }

    // The read-back model deliberately uses an RNN without weights to carry every attribute type, which the
    // checker's full shape inference would refuse; parsing is what is under test here.
    private static JsonObject DescribeWithoutChecking(string path)
    {
        var output = ExternalProcess.Run(RepositoryPaths.SystemPython, [RepositoryPaths.PythonDescriber, path, "--parse-only"]);
        return JsonNode.Parse(output)!.AsObject();
    }
}
