using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Dilated (skip-through-time) models exported with standard operators only: Pad and Reshape around the ordinary
/// RNN/LSTM/GRU operator with per-sub-sequence lengths. ONNX Runtime (Microsoft.ML.OnnxRuntime and onnxruntime-node) gives the
/// managed engine's predictions within 1e-5 on mixed lengths, some shorter than the dilation, and the onnx checker
/// accepts every file.
/// </summary>
public sealed class DilatedExportTests(ITestOutputHelper log)
{
    private const double Agreement = 1e-5;

    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int[] Dilations, bool Bidirectional,
        bool Tokens, string Head, bool LinearBeforeReset = true)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() => new()
    {
        new("rnn tanh d=3 numeric binary", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, [3], false, false, "binary"),
        new("rnn relu d=1,2,4 tokens multiclass", RecurrentCellKind.Rnn, RecurrentActivation.Relu, [1, 2, 4], false, true, "multiclass"),
        new("rnn sigmoid d=2,5 bidirectional regression", RecurrentCellKind.Rnn, RecurrentActivation.Sigmoid, [2, 5], true, false, "regression"),
        new("lstm d=1,3 bidirectional tokens binary", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, [1, 3], true, true, "binary"),
        new("lstm d=4,1 numeric multiclass", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, [4, 1], false, false, "multiclass"),
        new("gru d=2,5 numeric multiclass", RecurrentCellKind.Gru, RecurrentActivation.Tanh, [2, 5], false, false, "multiclass"),
        new("gru reset-before d=3 bidirectional numeric binary", RecurrentCellKind.Gru, RecurrentActivation.Tanh, [3], true, false, "binary", LinearBeforeReset: false),
        new("lstm d=16 longer than every sequence", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, [16], true, false, "multiclass"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_runtime_agrees_with_the_managed_engine(Case c)
    {
        var data = Data(c);
        var options = new SequenceModelOptions
        {
            Cell = c.Cell,
            Activation = c.Activation,
            HiddenSize = 6,
            Layers = c.Dilations.Length,
            Dilations = c.Dilations,
            Bidirectional = c.Bidirectional,
            GruLinearBeforeReset = c.LinearBeforeReset,
            EmbeddingSize = 5,
            Epochs = 2,
            BatchSize = 8,
            LearningRate = 0.01f,
        };
        var model = new SequenceModelTrainer(options).Fit(data);
        var largest = OnnxAgreement.LargestDifference(model, data);
        log.WriteLine($"{c.Name}: max |managed − ONNX Runtime| = {largest:E2}");
        Assert.True(largest <= Agreement, $"managed and ONNX Runtime differ by {largest:E2}");

        // Standard operators only, checked by onnx; onnxruntime-node agrees with Microsoft.ML.OnnxRuntime.
        var graph = SequenceModelOnnxExport.Build(model).Graph;
        Assert.All(graph.Nodes, node => Assert.Contains(node.OpType, StandardOperators));
        var outputs = PeerRun.CheckAndRun(SequenceModelOnnxExport.Build(model), ExportFixtures.Inputs(data), log);
        Assert.Contains(c.Head == "regression" ? "value" : "probabilities", outputs.Keys);
    }

    [Fact]
    public void A_model_trained_on_the_command_line_with_dilations_predicts_the_same_in_onnx_runtime()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("dilated.model");
        var onnx = directory.File("dilated.onnx");
        var train = RecurrentCli.Run("train", "--data", "temporal-order:21", "--count", "64", "--cell", "rnn",
            "--hidden", "8", "--dilations", "1,2,4", "--epochs", "1", "--batch", "16", "--out", model, "--onnx", onnx,
            "--json");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal([1, 2, 4], SequenceModel.Load(model).Options.Dilations!);
        Assert.Equal(3, SequenceModel.Load(model).Options.Layers);

        var managed = RecurrentCli.Run("predict", "--model", model, "--data", "temporal-order:21", "--count", "20", "--json");
        var runtime = RecurrentCli.Run("predict", "--model", onnx, "--data", "temporal-order:21", "--count", "20", "--json");
        Assert.True(managed.ExitCode == 0, managed.Error);
        Assert.True(runtime.ExitCode == 0, runtime.Error);
        var a = managed.Json.GetProperty("predictions").EnumerateArray().ToArray();
        var b = runtime.Json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(20, a.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.Equal(a[i].GetProperty("label").GetString(), b[i].GetProperty("label").GetString());
    }

    [Theory]
    [InlineData(new[] { "--dilations", "1,0" }, "--dilations: '1,0' is not a comma-separated list of whole numbers between 1 and 100000 (entry 2 is '0')")]
    [InlineData(new[] { "--dilations", "1,x,4" }, "(entry 2 is 'x')")]
    [InlineData(new[] { "--dilations", "1,2", "--layers", "3" }, "--dilations: 2 dilation(s) given for 3 layer(s)")]
    public void Bad_dilations_on_the_command_line_exit_2_and_write_nothing(string[] flags, string message)
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("bad.model");
        var result = RecurrentCli.Run(["train", "--data", "temporal-order:21", "--count", "16", "--out", model, .. flags]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.False(File.Exists(model));
    }

    private static readonly string[] StandardOperators =
    [
        "Gather", "Transpose", "Reshape", "RNN", "LSTM", "GRU", "Gemm", "Softmax", "Sigmoid", "Sub", "Concat", "Shape",
        "Slice", "Mod", "Pad", "Mul", "Max", "Add", "Div", "Cast", "Unsqueeze", "GatherND",
    ];

    /// <summary>Odd and even lengths, some shorter than the dilations, one as long as 11.</summary>
    private static SequenceDataset Data(Case c) =>
        ExportFixtures.Data("dilated-export", c.Tokens, c.Head, [9, 2, 7, 1, 5, 11, 3, 8, 4, 6, 10, 1]);
}
