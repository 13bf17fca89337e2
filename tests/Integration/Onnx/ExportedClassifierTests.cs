using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Trained-model exports against the managed engine: for every cell, depth, direction, input kind and head, ONNX
/// Runtime (Microsoft.ML.OnnxRuntime and onnxruntime-node) gives the engine's predictions within 1e-5 on batches of mixed
/// lengths, and the onnx checker accepts the file.
/// </summary>
public sealed class ExportedClassifierTests(ITestOutputHelper log)
{
    private const double Agreement = 1e-5;

    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, string Head, bool LinearBeforeReset = true)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() => new()
    {
        new("rnn tanh numeric binary", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 1, false, false, "binary"),
        new("rnn relu tokens multiclass bidirectional", RecurrentCellKind.Rnn, RecurrentActivation.Relu, 1, true, true, "multiclass"),
        new("rnn tanh 2 layers regression", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 2, false, false, "regression"),
        new("lstm numeric multiclass", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, false, "multiclass"),
        new("lstm tokens binary 2 layers bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, true, "binary"),
        new("lstm numeric regression bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, true, false, "regression"),
        new("gru tokens multiclass 2 layers", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, false, true, "multiclass"),
        new("gru numeric binary bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, false, "binary"),
        new("gru reset-before numeric multiclass 2 layers bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, true, false, "multiclass", LinearBeforeReset: false),
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
            Layers = c.Layers,
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

        // The same file through the onnx checker and onnxruntime-node must agree with Microsoft.ML.OnnxRuntime.
        var outputs = PeerRun.CheckAndRun(SequenceModelOnnxExport.Build(model), ExportFixtures.Inputs(data), log);
        Assert.Contains(c.Head == "regression" ? "value" : "probabilities", outputs.Keys);
    }

    [Fact]
    public void Metadata_carries_labels_vocabulary_and_options()
    {
        var data = Data(new Case("meta", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, true, "multiclass"));
        var model = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, MaxSteps = 0 }).Initialize(data);
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.onnx");
        model.ExportOnnx(path);
        var metadata = OnnxMetadataReader.Read(path);
        Assert.Equal("multiclass", metadata["recurrent.head"]);
        Assert.Equal("[\"a\",\"b\",\"c\"]", metadata["recurrent.labels"]);
        Assert.StartsWith("[\"<pad>\",\"<unk>\",\"w0\"", metadata["recurrent.vocabulary"]);
        Assert.Contains("\"Cell\":\"Lstm\"", metadata["recurrent.options"]);
    }

    [Fact]
    public void Exporting_the_same_model_twice_writes_the_same_bytes()
    {
        var data = Data(new Case("same", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, true, true, "multiclass"));
        var model = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, Layers = 2, Bidirectional = true, MaxSteps = 0 })
            .Initialize(data);
        using var directory = new TemporaryDirectory();
        model.ExportOnnx(directory.File("first.onnx"));
        model.ExportOnnx(directory.File("second.onnx"));

        var first = File.ReadAllBytes(directory.File("first.onnx"));
        Assert.Equal(first, File.ReadAllBytes(directory.File("second.onnx")));
        Assert.Equal(first, OnnxModelWriter.ToBytes(SequenceModelOnnxExport.Build(model)));
    }

    private static SequenceDataset Data(Case c) =>
        ExportFixtures.Data("export", c.Tokens, c.Head, [6, 2, 5, 1, 4, 3, 6, 2, 5, 3, 4, 1]);
}
