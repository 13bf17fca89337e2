using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.PyTorch;

/// <summary>
/// The engine's per-step BPTT against PyTorch autograd (Debian's python3-torch, in float64): the same weights, the
/// same padded batch (packed for nn.RNN/LSTM/GRU, some steps unlabelled), the mean over labelled steps of a per-step
/// cross-entropy, sigmoid binary cross-entropy or squared error; loss and every parameter's gradient agree within
/// the tolerance the double-precision reference holds the engine to (1e-4 relative).
/// </summary>
public sealed class PerStepGradientTests(PerStepGradientTests.TorchResults torch, ITestOutputHelper log)
    : IClassFixture<PerStepGradientTests.TorchResults>
{
    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, HeadKind Head, bool UseBias = true)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] All =
    [
        new("lstm cross-entropy numeric", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, false, HeadKind.MultiClass),
        new("lstm cross-entropy tokens 2 layers bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, true, HeadKind.MultiClass),
        new("gru cross-entropy tokens bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, true, HeadKind.MultiClass),
        new("rnn tanh cross-entropy numeric 2 layers", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 2, false, false, HeadKind.MultiClass),
        new("rnn relu binary numeric bidirectional", RecurrentCellKind.Rnn, RecurrentActivation.Relu, 1, true, false, HeadKind.Binary),
        new("lstm binary tokens", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, true, HeadKind.Binary),
        new("gru binary numeric 2 layers", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, false, false, HeadKind.Binary),
        new("gru squared error numeric 2 layers bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, true, false, HeadKind.Regression),
        new("lstm squared error numeric no bias", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, false, HeadKind.Regression, UseBias: false),
        new("rnn tanh squared error tokens", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 1, false, true, HeadKind.Regression),
    ];

    public static TheoryData<Case> Cases() => [.. All];

    private const int Batch = 5, Features = 3, Vocabulary = 9, Classes = 4, Hidden = 7, Embedding = 4;
    private static readonly int[] Lengths = [6, 2, 5, 1, 4];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradients_match_pytorch_autograd(Case c)
    {
        var (network, batch) = Engine(c);
        var loss = network.ComputeGradients(batch, null, null, 2);
        var expected = torch.Of(c);

        Assert.True(Math.Abs(loss - expected.Loss) <= 1e-5 * Math.Max(1, Math.Abs(expected.Loss)),
            $"loss: engine {loss}, PyTorch {expected.Loss}");
        var worst = TorchAutograd.AssertGradients(network, expected.Gradients, ofLargest: 1e-6);
        log.WriteLine($"{c.Name}: |loss − PyTorch| = {Math.Abs(loss - expected.Loss):E2}; largest gradient error " +
            $"{worst:E2} of its parameter's largest gradient (PyTorch {expected.Version}, float64)");
    }

    private static SequenceModelOptions Options(Case c) => new()
    {
        Cell = c.Cell,
        Activation = c.Activation,
        HiddenSize = Hidden,
        Layers = c.Layers,
        Bidirectional = c.Bidirectional,
        UseBias = c.UseBias,
        EmbeddingSize = Embedding,
        Seed = 17,
        Threads = 2,
    };

    // A padded batch with a label per step, about one step in five unlabelled, and weights spread wider than the
    // initialiser's so every gate is in its working range.
    private static SequenceDataset Data(Case c)
    {
        var random = new DeterministicRandom(23);
        var vocabulary = new Vocabulary(Enumerable.Range(0, Vocabulary - 2).Select(i => $"w{i}"));
        var labels = c.Head == HeadKind.Regression ? LabelSet.Regression()
            : LabelSet.Classes(Enumerable.Range(0, c.Head == HeadKind.Binary ? 2 : Classes).Select(k => $"c{k}").ToArray());
        var examples = Lengths.Select(length =>
        {
            var labelled = Enumerable.Range(0, length).Select(_ => random.NextInt(5) > 0).ToArray();
            var ids = Enumerable.Range(0, length).Select(_ => 1 + random.NextInt(Vocabulary - 1)).ToArray();
            var steps = Enumerable.Range(0, length * Features).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
            if (c.Head == HeadKind.Regression)
            {
                var targets = labelled.Select(l => l ? (float)random.NextUniform(-1, 1) : float.NaN).ToArray();
                return c.Tokens ? SequenceExample.FromTokens(ids, targets) : SequenceExample.FromSteps(steps, Features, targets);
            }
            var classes = labelled.Select(l => l ? random.NextInt(labels.ClassCount) : SequenceExample.Unlabelled).ToArray();
            return c.Tokens ? SequenceExample.FromTokens(ids, classes) : SequenceExample.FromSteps(steps, Features, classes);
        }).ToArray();
        return new SequenceDataset("torch", c.Tokens ? InputKind.Tokens : InputKind.Numeric, c.Tokens ? 0 : Features,
            c.Tokens ? vocabulary : null, labels, examples);
    }

    private static (SequenceNetwork Network, SequenceBatch Batch) Engine(Case c)
    {
        var data = Data(c);
        var model = new SequenceModelTrainer(Options(c)).Initialize(data);
        TorchAutograd.Spread(model.Parameters, seed: 29);
        var batch = new SequenceBatch();
        batch.Fill(data.Examples, Enumerable.Range(0, data.Count).ToArray(), data.FeatureCount);
        return (model.Network, batch);
    }

    private static JsonObject Request(Case c)
    {
        var (network, _) = Engine(c);
        var data = Data(c);
        var steps = Lengths.Max();
        var request = new JsonObject
        {
            ["cell"] = c.Cell.ToString().ToLowerInvariant(),
            ["activation"] = c.Activation.ToString().ToLowerInvariant(),
            ["hidden"] = Hidden,
            ["layers"] = c.Layers,
            ["bidirectional"] = c.Bidirectional,
            ["use_bias"] = c.UseBias,
            ["head"] = c.Head.ToString().ToLowerInvariant(),
            ["classes"] = data.Labels.ClassCount,
            ["lengths"] = Array(Lengths.Select(l => (JsonNode?)l)),
            ["weights"] = new JsonObject(network.Parameters.Select(p =>
                KeyValuePair.Create(p.Name, (JsonNode?)Array(p.Value.Select(v => (JsonNode?)(double)v))))),
        };
        // Padded to the longest sequence: token 0 and no label past each length (packing never reads them).
        JsonArray PerStep(Func<SequenceExample, int, JsonNode?> value, JsonNode? padding) =>
            Array(data.Examples.Select(e => (JsonNode?)Array(Enumerable.Range(0, steps).Select(t => t < e.Length ? value(e, t) : padding?.DeepClone()))));
        if (c.Tokens)
        {
            request["tokens"] = PerStep((e, t) => e.TokenIds![t], 0);
            request["embedding"] = Embedding;
        }
        else
        {
            request["steps"] = Array(data.Examples.Select(e => (JsonNode?)Array(Enumerable.Range(0, steps).Select(t =>
                (JsonNode?)Array(Enumerable.Range(0, Features).Select(f => (JsonNode?)(t < e.Length ? (double)e.Features![t * Features + f] : 0.0)))))));
        }
        if (c.Head == HeadKind.Regression)
            request["targets"] = PerStep((e, t) => float.IsNaN(e.StepTargets![t]) ? null : (double)e.StepTargets[t], null);
        else
            request["step_classes"] = PerStep((e, t) => e.StepClassIndices![t], -1);
        return request;
    }

    private static JsonArray Array(IEnumerable<JsonNode?> items) => [.. items];

    public sealed record Result(double Loss, string Version, Dictionary<string, double[]> Gradients);

    /// <summary>All cases through one PyTorch process (importing torch takes seconds).</summary>
    public sealed class TorchResults
    {
        private readonly Lazy<Result[]> _results = new(() => [.. TorchAutograd.Run("perstep_gradients.py", All.Select(Request)).Select(result => new Result(
            result!["loss"]!.GetValue<double>(),
            result["torch"]!.GetValue<string>(),
            TorchAutograd.Gradients(result)))]);

        public Result Of(Case c) => _results.Value[System.Array.IndexOf(All, c)];
    }
}
