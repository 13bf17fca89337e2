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
/// The engine's skip gates (Campos et al.'s Skip RNN) against a PyTorch implementation of the paper's equations
/// (tests/Integration/python/skip_gradients.py: torch.nn.RNNCell/LSTMCell/GRUCell stepped by hand, u_t rounded with
/// the straight-through estimator, float64 autograd): the same weights and padded batch give the same updates, the
/// same loss with its budget λ·Σ u_t, and every parameter's gradient within the tolerance the double-precision
/// reference holds the engine's gates to (1e-4 relative plus 1e-5 of the parameter's largest gradient).
/// </summary>
public sealed class SkipGradientTests(SkipGradientTests.TorchResults torch, ITestOutputHelper log)
    : IClassFixture<SkipGradientTests.TorchResults>
{
    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        HeadKind Head, float Budget)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] All =
    [
        new("lstm cross-entropy", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, HeadKind.MultiClass, 0.01f),
        new("gru cross-entropy 2 layers", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, false, HeadKind.MultiClass, 0.01f),
        new("rnn tanh squared error bidirectional", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 1, true, HeadKind.Regression, 0.02f),
        new("lstm squared error 2 layers bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, HeadKind.Regression, 0),
        new("gru cross-entropy bidirectional, no budget", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, HeadKind.MultiClass, 0),
    ];

    public static TheoryData<Case> Cases() => [.. All];

    private const int Features = 3, Classes = 3, Hidden = 5;
    private static readonly int[] Lengths = [7, 2, 9, 1, 5, 8];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Updates_loss_and_gradients_match_pytorch_autograd(Case c)
    {
        var (network, batch) = Engine(c);
        var loss = network.ComputeGradients(batch, null, null, 2, skipBudget: c.Budget);
        var expected = torch.Of(c);

        var steps = Lengths.Sum() * (c.Bidirectional ? 2 : 1);
        var updates = network.UpdateShares().Sum(share => share * steps);
        Assert.Equal(expected.Updates, updates, 1e-6);
        Assert.InRange(updates / (steps * c.Layers), 0.05, 0.95);
        Assert.True(Math.Abs(loss - expected.Loss) <= 1e-5 * Math.Max(1, Math.Abs(expected.Loss)),
            $"loss: engine {loss}, PyTorch {expected.Loss}");
        var worst = TorchAutograd.AssertGradients(network, expected.Gradients, ofLargest: 1e-5);
        log.WriteLine($"{c.Name}: {updates} of {steps * c.Layers} steps updated; |loss − PyTorch| = " +
            $"{Math.Abs(loss - expected.Loss):E2}; largest gradient error {worst:E2} of its parameter's largest gradient " +
            $"(PyTorch {expected.Version}, float64)");
    }

    private static SequenceDataset Data(Case c)
    {
        var random = new DeterministicRandom(31);
        var labels = c.Head == HeadKind.Regression ? LabelSet.Regression()
            : LabelSet.Classes(Enumerable.Range(0, Classes).Select(k => $"c{k}").ToArray());
        var examples = Lengths.Select(length =>
        {
            var steps = Enumerable.Range(0, length * Features).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
            return c.Head == HeadKind.Regression
                ? SequenceExample.FromSteps(steps, Features, (float)random.NextUniform(-1, 1))
                : SequenceExample.FromSteps(steps, Features, random.NextInt(Classes));
        }).ToArray();
        return new SequenceDataset("torch-skip", InputKind.Numeric, Features, null, labels, examples);
    }

    // Weights spread wider than the initialiser's, and b_p = −0.4 (Δũ near 0.4): about half the steps are skipped.
    private static (SequenceNetwork Network, SequenceBatch Batch) Engine(Case c)
    {
        var data = Data(c);
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = c.Cell,
            Activation = c.Activation,
            HiddenSize = Hidden,
            Layers = c.Layers,
            Bidirectional = c.Bidirectional,
            SkipUpdates = true,
            Seed = 13,
            Threads = 2,
        }).Initialize(data);
        TorchAutograd.Spread(model.Parameters, seed: 37);
        foreach (var gate in model.Network.Layers.SelectMany(layer => layer).Select(d => d.SkipGate!))
            gate.Bias.Value[0] = -0.4f;
        model.Network.WeightsChanged();
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
            ["head"] = c.Head.ToString().ToLowerInvariant(),
            ["classes"] = data.Labels.ClassCount,
            ["budget"] = (double)c.Budget,
            ["lengths"] = Array(Lengths.Select(l => (JsonNode?)l)),
            ["steps"] = Array(data.Examples.Select(e => (JsonNode?)Array(Enumerable.Range(0, steps).Select(t =>
                (JsonNode?)Array(Enumerable.Range(0, Features).Select(f => (JsonNode?)(t < e.Length ? (double)e.Features![t * Features + f] : 0.0))))))),
            ["weights"] = new JsonObject(network.Parameters.Select(p =>
                KeyValuePair.Create(p.Name, (JsonNode?)Array(p.Value.Select(v => (JsonNode?)(double)v))))),
        };
        if (c.Head == HeadKind.Regression)
            request["targets"] = Array(data.Examples.Select(e => (JsonNode?)(double)e.Target));
        else
            request["class_indices"] = Array(data.Examples.Select(e => (JsonNode?)e.ClassIndex));
        return request;
    }

    private static JsonArray Array(IEnumerable<JsonNode?> items) => [.. items];

    public sealed record Result(double Loss, double Updates, string Version, Dictionary<string, double[]> Gradients);

    /// <summary>All cases through one PyTorch process (importing torch takes seconds).</summary>
    public sealed class TorchResults
    {
        private readonly Lazy<Result[]> _results = new(() => [.. TorchAutograd.Run("skip_gradients.py", All.Select(Request)).Select(result => new Result(
            result!["loss"]!.GetValue<double>(),
            result["updates"]!.GetValue<double>(),
            result["torch"]!.GetValue<string>(),
            TorchAutograd.Gradients(result)))]);

        public Result Of(Case c) => _results.Value[System.Array.IndexOf(All, c)];
    }
}
