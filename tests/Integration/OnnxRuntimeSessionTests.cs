using Recurrent.Host.OnnxRuntime;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Integration.Tests;

/// <summary>Session behaviour beyond single runs: names, lifetime, concurrency, options.</summary>
[Collection(OnnxRuntimeCollection.Name)]
public sealed class OnnxRuntimeSessionTests(OnnxRuntimeFixture fixture)
{
    [Fact]
    public void A_session_lists_its_input_and_output_names_in_graph_order()
    {
        var op = new SingleRecurrentOperator("LSTM", "forward", seed: 21);
        using var session = fixture.Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));

        Assert.Equal(["X", "sequence_lens"], session.InputNames);
        Assert.Equal(["Y", "Y_h", "Y_c"], session.OutputNames);
    }

    [Fact]
    public void Only_the_requested_outputs_are_returned_with_their_shapes()
    {
        var op = new SingleRecurrentOperator("GRU", "bidirectional", seed: 22);
        using var session = fixture.Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));

        var outputs = session.Run(op.Inputs, ["Y_h"]);

        Assert.Equal(["Y_h"], outputs.Keys);
        Assert.Equal([2L, SingleRecurrentOperator.Batch, SingleRecurrentOperator.Hidden], outputs["Y_h"].Shape);
    }

    [Fact]
    public void A_session_outlives_its_disposed_environment_and_cannot_run_after_its_own_disposal()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 23);
        var environment = new OnnxRuntimeEnvironment();
        var session = environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));
        var before = session.Run(op.Inputs)["Y"].AsFloats();

        environment.Dispose();
        Assert.Equal(before, session.Run(op.Inputs)["Y"].AsFloats());

        session.Dispose();
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(op.Inputs));
    }

    [Fact]
    public void Concurrent_runs_of_one_session_give_the_same_results_as_one_run()
    {
        var op = new SingleRecurrentOperator("LSTM", "bidirectional", seed: 24);
        using var session = fixture.Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model),
            new OnnxSessionOptions { IntraOpThreads = 2, GraphOptimization = OnnxGraphOptimization.Basic });
        var expected = session.Run(op.Inputs)["Y"].AsFloats();

        var results = new float[16][];
        Parallel.For(0, results.Length, i => results[i] = session.Run(op.Inputs)["Y"].AsFloats());

        Assert.All(results, result => Assert.Equal(expected, result));
    }

    [Fact]
    public void Int64_outputs_are_copied_back_with_their_type()
    {
        var g = new OnnxGraphBuilder("shape_of");
        g.AddInput("x", OnnxType.Float, ["batch", 3]);
        g.AddNode("Shape", ["x"], ["shape"]);
        g.AddOutput("shape", OnnxType.Int64, [2]);
        using var session = fixture.Environment.OpenSession(OnnxModelWriter.ToBytes(new OnnxModel(g.Build())));

        var shape = session.Run(new Dictionary<string, OnnxRuntimeTensor> { ["x"] = OnnxRuntimeTensor.FromFloats([4, 3], new float[12]) })["shape"];

        Assert.Equal(OnnxType.Int64, shape.Type);
        Assert.Equal([4L, 3L], shape.AsInt64s());
    }
}
