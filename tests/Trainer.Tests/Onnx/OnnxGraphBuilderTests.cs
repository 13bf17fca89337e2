using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.Tests.Onnx;

/// <summary>The builder reports wiring mistakes by name instead of leaving them to ONNX Runtime.</summary>
public sealed class OnnxGraphBuilderTests
{
    [Fact]
    public void A_node_reading_an_undefined_value_is_named()
    {
        var g = new OnnxGraphBuilder("g");
        g.AddInput("x", OnnxType.Float, [1]);
        g.AddNode("Add", ["x", "bias"], ["y"]);

        var error = Assert.Throws<InvalidOperationException>(() => g.Build());

        Assert.Contains("Add_0 reads 'bias'", error.Message);
    }

    [Fact]
    public void A_node_may_only_read_values_defined_before_it()
    {
        var g = new OnnxGraphBuilder("g");
        g.AddInput("x", OnnxType.Float, [1]);
        g.AddNode("Neg", ["later"], ["y"]);
        g.AddNode("Neg", ["x"], ["later"]);

        Assert.Throws<InvalidOperationException>(() => g.Build());
    }

    [Fact]
    public void Empty_names_skip_optional_inputs_and_outputs()
    {
        var g = new OnnxGraphBuilder("g");
        g.AddInput("x", OnnxType.Float, ["sequence", "batch", 2]);
        g.AddInitializer("W", [1, 3, 2], new float[6]);
        g.AddInitializer("R", [1, 3, 3], new float[9]);
        g.AddNode("RNN", ["x", "W", "R", "", "", ""], ["", "h"], OnnxAttribute.Int("hidden_size", 3));
        g.AddOutput("h", OnnxType.Float, [1, "batch", 3]);

        var graph = g.Build();

        Assert.Equal(["", "h"], graph.Nodes[0].Outputs);
    }

    [Fact]
    public void Names_defined_twice_and_outputs_never_produced_are_rejected()
    {
        var twice = new OnnxGraphBuilder("twice");
        twice.AddInput("x", OnnxType.Float, [1]);
        twice.AddInitializer("x", [1], [1f]);
        Assert.Contains("'x' is defined twice", Assert.Throws<InvalidOperationException>(() => twice.Build()).Message);

        var unproduced = new OnnxGraphBuilder("unproduced");
        unproduced.AddOutput("y", OnnxType.Float, [1]);
        Assert.Contains("'y' is never produced", Assert.Throws<InvalidOperationException>(() => unproduced.Build()).Message);
    }

    [Fact]
    public void A_repeated_attribute_is_rejected()
    {
        var g = new OnnxGraphBuilder("g");
        g.AddInput("x", OnnxType.Float, [1]);
        g.AddNode("Softmax", ["x"], ["y"], OnnxAttribute.Int("axis", 0), OnnxAttribute.Int("axis", 1));

        Assert.Contains("'axis' twice", Assert.Throws<InvalidOperationException>(() => g.Build()).Message);
    }

    [Fact]
    public void A_tensor_whose_values_do_not_fill_its_shape_is_rejected_with_its_name()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxTensor.FromFloats("W", [2, 3], new float[5]));

        Assert.Contains("'W' has shape [2, 3] (6 elements) but 5 values", error.Message);
    }

    [Fact]
    public void Dimensions_convert_from_numbers_and_names()
    {
        OnnxDimension[] shape = ["batch", 28, 3L];

        Assert.Equal("batch", shape[0].Symbol);
        Assert.Null(shape[0].Size);
        Assert.Equal(28, shape[1].Size);
        Assert.Equal("[batch, 28, 3]", $"[{string.Join(", ", shape)}]");
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxDimension.Fixed(-1));
        Assert.Throws<ArgumentException>(() => OnnxDimension.Named(" "));
    }

    [Fact]
    public void The_built_graph_does_not_change_when_the_builder_goes_on()
    {
        var g = new OnnxGraphBuilder("g");
        g.AddInput("x", OnnxType.Float, [1]);
        var graph = g.Build();
        g.AddInput("z", OnnxType.Float, [1]);

        Assert.Single(graph.Inputs);
    }
}
