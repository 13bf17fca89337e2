using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Recurrent.Host.Service.Predictions;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>The package as the host uses it: found with no set-up, sessions and concurrent predictions.</summary>
public sealed class OnnxRuntimeSessionTests
{
    [Fact]
    public void The_native_library_comes_with_the_package_and_is_version_1_32_0()
    {
        // Loaded from the build output (runtimes/linux-x64/native via deps.json): no setup script, no variable. The
        // host runs 1.32.0, the version its benchmarks compare inference with (the engine library asks for 1.31.1 on).
        Assert.Equal("1.32.0", OrtEnv.Instance().GetVersionString());
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so")));
    }

    [Fact]
    public void A_session_lists_its_input_and_output_names_in_graph_order()
    {
        var op = new SingleRecurrentOperator("LSTM", "forward", seed: 21);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(op.Model));

        Assert.Equal(["X", "sequence_lens"], session.InputNames);
        Assert.Equal(["Y", "Y_h", "Y_c"], session.OutputNames);
    }

    [Fact]
    public void Only_the_requested_outputs_are_returned_with_their_shapes()
    {
        var op = new SingleRecurrentOperator("GRU", "bidirectional", seed: 22);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(op.Model));

        var outputs = session.Run(op.Inputs, ["Y_h"]);

        Assert.Equal(["Y_h"], outputs.Keys);
        Assert.Equal([2L, SingleRecurrentOperator.Batch, SingleRecurrentOperator.Hidden], outputs["Y_h"].Shape);
    }

    [Fact]
    public void Concurrent_predictions_of_one_predictor_equal_one_prediction()
    {
        var random = new DeterministicRandom(3);
        var examples = Enumerable.Range(0, 6).Select(i => SequenceExample.FromSteps(
            [.. Enumerable.Range(0, (i + 1) * 2).Select(_ => (float)random.NextUniform(-1, 1))], 2, i % 2)).ToArray();
        var data = new SequenceDataset("concurrent", InputKind.Numeric, 2, null, LabelSet.Classes(["a", "b"]), examples);
        var model = new SequenceModelTrainer(new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 5, Bidirectional = true, MaxSteps = 0 })
            .Initialize(data);
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.onnx");
        model.ExportOnnx(path);
        using var predictor = OnnxPredictor.Open(path, intraOpThreads: 2);
        var expected = predictor.PredictBatch(examples).SelectMany(p => p.Probabilities).ToArray();

        var results = new float[16][];
        Parallel.For(0, results.Length, i => results[i] = [.. predictor.PredictBatch(examples).SelectMany(p => p.Probabilities)]);

        Assert.All(results, result => Assert.Equal(expected, result));
    }

    [Fact]
    public void Int64_outputs_are_copied_back_with_their_type()
    {
        var g = new OnnxGraphBuilder("shape_of");
        g.AddInput("x", OnnxType.Float, ["batch", 3]);
        g.AddNode("Shape", ["x"], ["shape"]);
        g.AddOutput("shape", OnnxType.Int64, [2]);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(new OnnxModel(g.Build())));

        var shape = session.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([4, 3], new float[12]) })["shape"];

        Assert.Equal(OnnxType.Int64, shape.Type);
        Assert.Equal([4L, 3L], shape.AsInt64s());
    }
}
