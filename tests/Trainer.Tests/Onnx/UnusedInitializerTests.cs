using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Onnx;

/// <summary>
/// Every initializer of an exported graph is read by a node: ONNX Runtime warns at each session load about one
/// that is not ("Removing initializer ... It is not used by any node").
/// </summary>
public sealed class UnusedInitializerTests
{
    public static TheoryData<int, bool, bool> Shapes => new()
    {
        { 1, false, false }, { 1, true, true }, { 2, false, true }, { 2, true, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Standard_and_MLNet_graphs_read_every_initializer(int layers, bool bidirectional, bool tokens)
    {
        var labels = LabelSet.Classes(["a", "b", "c"]);
        SequenceExample Example(int c) => tokens
            ? SequenceExample.FromTokens([2, 3, 2], c)
            : SequenceExample.FromSteps([0.1f, 0.2f, 0.3f, 0.4f], 2, c);
        var data = new SequenceDataset("shape", tokens ? InputKind.Tokens : InputKind.Numeric, tokens ? 0 : 2,
            tokens ? new Vocabulary(["x", "y"]) : null, labels, [Example(0), Example(1), Example(2)]);
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 3,
            EmbeddingSize = 2,
            Layers = layers,
            Bidirectional = bidirectional,
        }).Initialize(data);

        foreach (var graph in new[]
        {
            ClassifierOnnxExport.Build(model).Graph,
            ClassifierOnnxExport.Build(model, new MLNetOnnxBoundary("Tokens", RecurrentTask.MulticlassClassification, perClassOutputs: true)).Graph,
        })
        {
            var read = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
            Assert.All(graph.Initializers, initializer => Assert.Contains(initializer.Name, read));
        }
    }
}
