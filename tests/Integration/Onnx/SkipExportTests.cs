using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Models with skip gates (Campos et al.'s Skip RNN) in standard operators: per layer and direction a Loop whose
/// body runs the ordinary RNN/LSTM/GRU operator for one step and chooses its state or the previous one with Where.
/// ONNX Runtime (Microsoft.ML.OnnxRuntime and onnxruntime-node) gives the managed engine's outputs within 1e-5 on
/// mixed lengths, per sequence and per step, stacked, bidirectional and dilated; the onnx checker accepts every file.
/// </summary>
public sealed class SkipExportTests(ITestOutputHelper log)
{
    private const double Agreement = 1e-5;
    private static readonly int[] Lengths = [9, 2, 7, 1, 5, 11, 3, 8, 4, 6, 10, 1];

    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, string Head, int[]? Dilations = null, bool PerStep = false, bool LinearBeforeReset = true)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() => new()
    {
        new("rnn tanh numeric binary", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 1, false, false, "binary"),
        new("rnn relu tokens multiclass 2 layers bidirectional", RecurrentCellKind.Rnn, RecurrentActivation.Relu, 2, true, true, "multiclass"),
        new("lstm numeric regression", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, false, "regression"),
        new("lstm tokens multiclass 2 layers bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, true, "multiclass"),
        new("gru numeric multiclass bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, false, "multiclass"),
        new("gru reset-before tokens binary 2 layers", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, false, true, "binary", LinearBeforeReset: false),
        new("lstm dilations 1,3 bidirectional numeric multiclass", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, false, "multiclass", [1, 3]),
        new("gru per-step tokens multiclass bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, true, "multiclass", PerStep: true),
        new("lstm per-step numeric regression 2 layers dilations 2,1", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, false, false, "regression", [2, 1], PerStep: true),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_runtime_agrees_with_the_managed_engine(Case c)
    {
        var data = c.PerStep ? PerStepData(c.Tokens, c.Head) : ExportFixtures.Data("skip-export", c.Tokens, c.Head, Lengths);
        var model = Model(c, data);
        var onnx = SequenceModelOnnxExport.Build(model);
        Assert.All(onnx.Graph.Nodes, node => Assert.Contains(node.OpType, StandardOperators));
        Assert.Equal(c.Layers * (c.Bidirectional ? 2 : 1), onnx.Graph.Nodes.Count(node => node.OpType == "Loop"));

        var outputs = PeerRun.CheckAndRun(onnx, ExportFixtures.Inputs(data), log);
        var largest = c.PerStep ? LargestStepDifference(model, data, outputs, c.Head) : OnnxAgreement.LargestDifference(model, data);
        var share = model.Network.UpdateShares().Average();
        log.WriteLine($"{c.Name}: {share:P0} of steps updated; max |managed − ONNX Runtime| = {largest:E2}");
        Assert.True(largest <= Agreement, $"managed and ONNX Runtime differ by {largest:E2}");
        Assert.InRange(share, 0.05, 0.95);
    }

    private static readonly string[] StandardOperators =
    [
        "Gather", "Transpose", "Reshape", "RNN", "LSTM", "GRU", "Gemm", "MatMul", "Add", "Softmax", "Sigmoid", "Sub",
        "Concat", "Shape", "Slice", "Mod", "Pad", "Mul", "Max", "Div", "Cast", "Unsqueeze", "GatherND", "Loop",
        "ConstantOfShape",
    ];

    // The largest difference over every valid step between the engine's per-step outputs and ONNX Runtime's.
    private static double LargestStepDifference(SequenceModel model, SequenceDataset data,
        IReadOnlyDictionary<string, TensorData> outputs, string head)
    {
        var managed = model.PredictSteps(data.Examples);
        var regression = head == "regression";
        var width = regression ? 1 : model.Labels.ClassCount;
        var values = outputs[regression ? "value" : "probabilities"].AsFloats();
        var steps = data.Examples.Max(e => e.Length);
        var largest = 0.0;
        for (var b = 0; b < data.Count; b++)
        {
            for (var t = 0; t < data.Examples[b].Length; t++)
            {
                var offset = (b * steps + t) * width;
                for (var k = 0; k < width; k++)
                {
                    var engine = regression ? managed[b][t].Value : managed[b][t].Probabilities[k];
                    largest = Math.Max(largest, Math.Abs(values[offset + k] - engine));
                }
            }
        }
        return largest;
    }

    // An initialised skip model with its weights spread as training spreads them and b_p = −0.4 (Δũ near 0.4: most
    // updates are followed by a skipped step).
    private static SequenceModel Model(Case c, SequenceDataset data)
    {
        var options = new SequenceModelOptions
        {
            Cell = c.Cell,
            Activation = c.Activation,
            HiddenSize = 6,
            Layers = c.Layers,
            Dilations = c.Dilations,
            Bidirectional = c.Bidirectional,
            GruLinearBeforeReset = c.LinearBeforeReset,
            EmbeddingSize = 5,
            Seed = 3,
        };
        var network = new SequenceNetwork(NetworkShape.For(options, data) with { SkipUpdates = true });
        Initializer.Initialize(network, options, new DeterministicRandom(3));
        var random = new DeterministicRandom(19);
        foreach (var p in network.Parameters)
        {
            for (var i = 0; i < p.Length; i++)
                p.Value[i] += (float)random.NextUniform(-0.3, 0.3);
        }
        foreach (var gate in network.Layers.SelectMany(layer => layer).Select(d => d.SkipGate!))
            gate.Bias.Value[0] = -0.4f;
        network.WeightsChanged();
        var model = new SequenceModel(network, options, data.Vocabulary, data.Labels);
        // A pass over the data, whose update shares the test reports.
        if (data.PerStep)
            model.PredictSteps(data.Examples);
        else
            model.PredictBatch(data.Examples);
        return model;
    }

    private static SequenceDataset PerStepData(bool tokens, string head)
    {
        var random = new DeterministicRandom(11);
        var vocabulary = new Vocabulary(Enumerable.Range(0, 7).Select(i => $"w{i}"));
        var labels = head == "regression" ? LabelSet.Regression() : LabelSet.Classes(["a", "b", "c"]);
        var examples = Lengths.Select(length =>
        {
            var ids = Enumerable.Range(0, length).Select(_ => 1 + random.NextInt(8)).ToArray();
            var steps = Enumerable.Range(0, length * 3).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
            if (head == "regression")
            {
                var targets = Enumerable.Range(0, length).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
                return tokens ? SequenceExample.FromTokens(ids, targets) : SequenceExample.FromSteps(steps, 3, targets);
            }
            var classes = Enumerable.Range(0, length).Select(_ => random.NextInt(3)).ToArray();
            return tokens ? SequenceExample.FromTokens(ids, classes) : SequenceExample.FromSteps(steps, 3, classes);
        }).ToArray();
        return new SequenceDataset("per-step", tokens ? InputKind.Tokens : InputKind.Numeric, tokens ? 0 : 3,
            tokens ? vocabulary : null, labels, examples);
    }
}
