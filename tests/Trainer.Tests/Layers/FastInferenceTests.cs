using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// Inference's faster σ and tanh against training's, through the model's own predictions, on every cell kind and
/// layout: class probabilities within 1e-6 relative, regression values within 1e-6 (relative to max(1, |y|)), the same
/// classes and the same greedy decoding; a cell without σ or tanh (ReLU Elman) gives the same bits. The networks are
/// initialised as training starts them (<see cref="Initializer"/>): a recurrence that amplifies its inputs' last bits
/// (the wider weights of <see cref="EngineFixtures.Network"/>, a tanh RNN over 28 steps) amplifies any rounding
/// difference, training's own included, and there the two differ by up to 2e-6 on a logit.
/// </summary>
public sealed class FastInferenceTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public static TheoryData<string, RecurrentCellKind, RecurrentActivation, bool, int, bool> Cells => new()
    {
        { "LSTM", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, false, 1, false },
        { "LSTM, two layers, bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, false, 2, true },
        { "GRU, linear before reset", RecurrentCellKind.Gru, RecurrentActivation.Tanh, true, 1, false },
        { "GRU, reset before the product, bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, false, 1, true },
        { "tanh RNN, two layers", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, false, 2, false },
        { "sigmoid RNN", RecurrentCellKind.Rnn, RecurrentActivation.Sigmoid, false, 1, false },
        { "ReLU RNN", RecurrentCellKind.Rnn, RecurrentActivation.Relu, false, 1, true },
    };

    private static SequenceModelOptions Options(RecurrentCellKind cell, RecurrentActivation activation, bool linearBeforeReset,
        int layers, bool bidirectional) => new()
        {
            Cell = cell,
            Activation = activation,
            GruLinearBeforeReset = linearBeforeReset,
            Layers = layers,
            Bidirectional = bidirectional,
            HiddenSize = 48,
            Seed = 11,
            Threads = 2,
        };

    private static SequenceModel Model(SequenceModelOptions options, SequenceDataset data)
    {
        var network = new SequenceNetwork(NetworkShape.For(options, data));
        Initializer.Initialize(network, options, new DeterministicRandom((ulong)options.SeedOrDefault));
        return new SequenceModel(network, options, data.Vocabulary, data.Labels);
    }

    // Predictions of the same model with inference's gates and then with training's.
    private static (T Fast, T Exact) Both<T>(SequenceNetwork network, Func<T> predict)
    {
        InferenceGates.UseExact(network, false);
        var fast = predict();
        InferenceGates.UseExact(network);
        var exact = predict();
        InferenceGates.UseExact(network, false);
        return (fast, exact);
    }

    private static double AssertClose(Prediction[] fast, Prediction[] exact, int classes)
    {
        Assert.Equal(exact.Select(p => p.ClassIndex), fast.Select(p => p.ClassIndex));
        var expected = exact.SelectMany(p => p.Probabilities).Select(v => (float)Math.Log(v)).ToArray();
        var actual = fast.SelectMany(p => p.Probabilities).Select(v => (float)Math.Log(v)).ToArray();
        // Log-probabilities are logits up to a per-row constant, so the softmax comparison applies to them.
        return classes < 2 ? 0 : InferenceGates.AssertClose(expected, actual, classes);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Class_probabilities_of_one_output_per_sequence_are_within_1e_6_relative(string name, RecurrentCellKind cell,
        RecurrentActivation activation, bool linearBeforeReset, int layers, bool bidirectional)
    {
        var options = Options(cell, activation, linearBeforeReset, layers, bidirectional);
        var data = EngineFixtures.NumericData(70, 5, [28, 3, 17, 1, 28], HeadKind.MultiClass, 6, seed: 21);
        var model = Model(options, data);
        var (fast, exact) = Both(model.Network, () => model.PredictBatch(data.Examples));
        var worst = AssertClose(fast, exact, 6);
        log.WriteLine($"{name}: largest relative probability difference {worst:E2}");
        var same = fast.Zip(exact).All(p => p.First.Probabilities.SequenceEqual(p.Second.Probabilities));
        // Only the ReLU cell has no σ or tanh to change: its inference is training's, bit for bit.
        Assert.Equal(activation == RecurrentActivation.Relu, same);
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, HeadKind.MultiClass)]
    [InlineData(RecurrentCellKind.Gru, HeadKind.Regression)]
    [InlineData(RecurrentCellKind.Lstm, HeadKind.Binary)]
    public void Per_step_predictions_are_within_the_tolerance(RecurrentCellKind cell, HeadKind head)
    {
        var options = Options(cell, RecurrentActivation.Tanh, true, 1, false);
        var data = EngineFixtures.PerStepData(true, 20, 9, [12, 4, 9], head, 4, seed: 3);
        var model = Model(options, data);
        var (fast, exact) = Both(model.Network, () => model.PredictSteps(data.Examples));
        if (head == HeadKind.Regression)
        {
            InferenceGates.AssertClose(exact.SelectMany(p => p).Select(p => p.Value).ToArray(),
                fast.SelectMany(p => p).Select(p => p.Value).ToArray(), 1);
        }
        else
        {
            AssertClose(fast.SelectMany(p => p).ToArray(), exact.SelectMany(p => p).ToArray(), head == HeadKind.Binary ? 2 : 4);
        }
        Assert.NotEqual(exact.SelectMany(p => p).SelectMany(p => p.Probabilities.Append(p.Value)),
            fast.SelectMany(p => p).SelectMany(p => p.Probabilities.Append(p.Value)));
    }

    [Fact]
    public void Skipping_and_dilated_layers_predict_within_the_tolerance()
    {
        var options = Options(RecurrentCellKind.Lstm, RecurrentActivation.Tanh, true, 2, false);
        options.Dilations = [1, 2];
        var data = EngineFixtures.NumericData(30, 4, [20, 7, 13], HeadKind.MultiClass, 5, seed: 2);
        foreach (var skipBias in new float?[] { null, -0.4f })
        {
            var network = new SequenceNetwork(NetworkShape.For(options, data) with { SkipUpdates = skipBias is not null });
            Initializer.Initialize(network, options, new DeterministicRandom(5));
            foreach (var gate in network.Layers.SelectMany(layer => layer).Select(d => d.SkipGate).OfType<SkipUpdateGate>())
                gate.Bias.Value[0] = skipBias!.Value;
            var model = new SequenceModel(network, options, data.Vocabulary, data.Labels);
            var (fast, exact) = Both(network, () => model.PredictBatch(data.Examples));
            AssertClose(fast, exact, 5);
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm)]
    [InlineData(RecurrentCellKind.Gru)]
    [InlineData(RecurrentCellKind.Rnn)]
    public void Greedy_decoding_writes_the_same_symbols(RecurrentCellKind cell)
    {
        var network = new EncoderDecoderNetwork(new EncoderDecoderShape(cell, RecurrentActivation.Tanh, 32, 2, true, true,
            6, 9, 7));
        var rng = new DeterministicRandom(7);
        foreach (var p in network.Parameters)
        {
            for (var i = 0; i < p.Length; i++)
                p.Value[i] = (float)rng.NextUniform(-0.6, 0.6);
        }
        var options = new SequenceModelOptions { Cell = cell, HiddenSize = 32, Layers = 2, Threads = 1 };
        var model = new EncoderDecoderModel(network, options, Enumerable.Range(0, 9).Select(i => $"s{i}").ToArray(),
            Enumerable.Range(0, 7).Select(i => $"t{i}").ToArray());
        var sources = Enumerable.Range(0, 40).Select(n => Enumerable.Range(0, 1 + n % 9).Select(i => (i * 7 + n) % 9).ToArray())
            .ToArray();
        var directions = network.Encoder.Concat(network.Decoder).ToArray();
        InferenceGates.UseExact(directions);
        var exact = model.Decode(sources);
        InferenceGates.UseExact(directions, false);
        var fast = model.Decode(sources);
        Assert.Equal(exact, fast);
        Assert.Contains(exact, d => d.Length >= 2);
    }
}
