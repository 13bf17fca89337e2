using System.Text.Json.Nodes;
using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.PyTorch;

/// <summary>
/// The encoder–decoder's BPTT against PyTorch autograd (Debian's python3-torch, in float64): an nn.LSTM/GRU/RNN
/// encoder over packed sources of mixed lengths hands its final (h_n, c_n) to a decoder of the same kind fed the
/// target shifted right (teacher forcing); the mean cross-entropy over the target steps and ⟨/s⟩, and every
/// parameter's gradient, the encoder's reached only through that hand-over, agree within the tolerance the
/// double-precision reference holds the engine to.
/// </summary>
public sealed class EncoderDecoderGradientTests(EncoderDecoderGradientTests.TorchResults torch, ITestOutputHelper log)
    : IClassFixture<EncoderDecoderGradientTests.TorchResults>
{
    public sealed record Case(string Name, RecurrentCellKind Cell, int Layers, bool UseBias = true)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] All =
    [
        new("lstm", RecurrentCellKind.Lstm, 1),
        new("lstm 2 layers", RecurrentCellKind.Lstm, 2),
        new("lstm no bias", RecurrentCellKind.Lstm, 1, UseBias: false),
        new("gru", RecurrentCellKind.Gru, 1),
        new("gru 2 layers", RecurrentCellKind.Gru, 2),
        new("rnn tanh 2 layers", RecurrentCellKind.Rnn, 2),
    ];

    public static TheoryData<Case> Cases() => [.. All];

    private const int Hidden = 7, Embedding = 4, SourceSymbols = 6, TargetSymbols = 5;

    // Sources of 1 to 6 symbols and targets of 1 to 5, unequal within each pair and across the batch.
    private static readonly SequencePair[] Pairs =
    [
        new([1, 4, 2], [3, 0, 1, 2, 4]),
        new([5], [1, 3]),
        new([0, 2, 3, 5, 1, 4], [2]),
        new([3, 3], [0, 1, 2, 3]),
        new([2, 5, 0, 1], [4, 4, 0]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradients_match_pytorch_autograd(Case c)
    {
        var (network, batch) = Engine(c);
        var loss = network.ComputeGradients(batch.Source, batch.Target, threads: 2);
        var expected = torch.Of(c);

        Assert.True(Math.Abs(loss - expected.Loss) <= 1e-5 * Math.Max(1, Math.Abs(expected.Loss)),
            $"loss: engine {loss}, PyTorch {expected.Loss}");
        Assert.Equal(network.Parameters.Select(p => p.Name).Order(), expected.Gradients.Keys.Order());
        var worst = TorchAutograd.AssertGradients(network.Parameters, expected.Gradients, ofLargest: 1e-6);
        Assert.True(expected.Gradients["encoder.layer0.W_xh"].Max(Math.Abs) > 1e-4, "the encoder receives a gradient");
        log.WriteLine($"{c.Name}: |loss − PyTorch| = {Math.Abs(loss - expected.Loss):E2}; largest gradient error " +
            $"{worst:E2} of its parameter's largest gradient (PyTorch {expected.Version}, float64)");
    }

    private static (EncoderDecoderNetwork Network, PairBatch Batch) Engine(Case c)
    {
        static string[] Symbols(int count) => [.. Enumerable.Range(0, count).Select(i => $"s{i}")];
        var data = new PairDataset("torch", Symbols(SourceSymbols), Symbols(TargetSymbols), Pairs);
        var model = new EncoderDecoderTrainer(new SequenceModelOptions
        {
            Cell = c.Cell,
            HiddenSize = Hidden,
            Layers = c.Layers,
            UseBias = c.UseBias,
            EmbeddingSize = Embedding,
            Seed = 17,
            Threads = 2,
        }).Initialize(data);
        TorchAutograd.Spread(model.Network.Parameters, seed: 29);
        var batch = new PairBatch(model.Network.Shape.Boundary);
        batch.Fill(Pairs, Enumerable.Range(0, Pairs.Length).ToArray());
        return (model.Network, batch);
    }

    private static JsonObject Request(Case c)
    {
        var (network, _) = Engine(c);
        int sourceSteps = Pairs.Max(p => p.Source.Length), targetSteps = Pairs.Max(p => p.Target.Length) + 1;
        int boundary = TargetSymbols;
        JsonArray Padded(IEnumerable<int[]> rows, int steps, int padding) =>
            [.. rows.Select(row => (JsonNode?)new JsonArray([.. Enumerable.Range(0, steps).Select(t => (JsonNode?)(t < row.Length ? row[t] : padding))]))];
        return new JsonObject
        {
            ["cell"] = c.Cell.ToString().ToLowerInvariant(),
            ["hidden"] = Hidden,
            ["layers"] = c.Layers,
            ["use_bias"] = c.UseBias,
            ["embedding"] = Embedding,
            ["classes"] = TargetSymbols + 1,
            ["sources"] = Padded(Pairs.Select(p => p.Source), sourceSteps, 0),
            ["source_lengths"] = new JsonArray([.. Pairs.Select(p => (JsonNode?)p.Source.Length)]),
            ["decoder_inputs"] = Padded(Pairs.Select(p => (int[])[boundary, .. p.Target]), targetSteps, 0),
            ["decoder_lengths"] = new JsonArray([.. Pairs.Select(p => (JsonNode?)(p.Target.Length + 1))]),
            ["decoder_classes"] = Padded(Pairs.Select(p => (int[])[.. p.Target, boundary]), targetSteps, -1),
            ["weights"] = new JsonObject(network.Parameters.Select(p =>
                KeyValuePair.Create(p.Name, (JsonNode?)new JsonArray([.. p.Value.Select(v => (JsonNode?)(double)v)])))),
        };
    }

    public sealed record Result(double Loss, string Version, Dictionary<string, double[]> Gradients);

    /// <summary>All cases through one PyTorch process (importing torch takes seconds).</summary>
    public sealed class TorchResults
    {
        private readonly Lazy<Result[]> _results = new(() => [.. TorchAutograd.Run("encdec_gradients.py", All.Select(Request)).Select(result => new Result(
            result!["loss"]!.GetValue<double>(),
            result["torch"]!.GetValue<string>(),
            TorchAutograd.Gradients(result)))]);

        public Result Of(Case c) => _results.Value[System.Array.IndexOf(All, c)];
    }
}
