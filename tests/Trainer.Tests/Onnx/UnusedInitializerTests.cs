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
            SequenceModelOnnxExport.Build(model).Graph,
            SequenceModelOnnxExport.Build(model, new MLNetOnnxBoundary("Tokens", RecurrentTask.MulticlassClassification, perClassOutputs: true)).Graph,
        })
        {
            var read = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
            Assert.All(graph.Initializers, initializer => Assert.Contains(initializer.Name, read));
        }
    }

    [Theory]
    [InlineData(1, false, null)]
    [InlineData(2, true, null)]
    [InlineData(1, true, new[] { 2 })]
    [InlineData(2, false, new[] { 3, 1 })]
    public void Per_step_graphs_and_the_single_step_graph_read_every_initializer(int layers, bool bidirectional, int[]? dilations)
    {
        var data = new SequenceDataset("steps", InputKind.Tokens, 0, new Vocabulary(["x", "y"]), LabelSet.Classes(["x", "y", "z"]),
            [SequenceExample.FromTokens([2, 3, 2], [0, 1, 2]), SequenceExample.FromTokens([3, 2], [2, 0])]);
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 3,
            EmbeddingSize = 2,
            Layers = layers,
            Bidirectional = bidirectional,
            Dilations = dilations,
        }).Initialize(data);

        var graphs = new List<Recurrent.Trainer.Onnx.OnnxGraph> { SequenceModelOnnxExport.Build(model).Graph };
        if (!bidirectional && dilations is null)
            graphs.Add(StepOnnxExport.Build(model).Graph);
        foreach (var graph in graphs)
        {
            var read = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
            Assert.All(graph.Initializers, initializer => Assert.Contains(initializer.Name, read));
        }
    }
}
