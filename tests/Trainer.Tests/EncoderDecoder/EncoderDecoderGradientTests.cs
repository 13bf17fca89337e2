using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Tests.Reference;

namespace Recurrent.Trainer.Tests.EncoderDecoder;

/// <summary>
/// The encoder–decoder's exact BPTT: the double-precision reference's hand-written gradients against central finite
/// differences of its own loss, then the float32 engine's loss and every gradient (the encoder's reached only
/// through the bridge, ∂L/∂s_0 of the decoder) against the reference loaded with the engine's weights.
/// </summary>
public sealed class EncoderDecoderGradientTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const int SourceVocabulary = 6, TargetSymbols = 4;

    // Sources and targets of unequal lengths, in the batch and within each pair (1 to 6 steps).
    private static readonly ReferencePair[] Pairs =
    [
        new([1, 4, 2], [3, 0, 1, 2, 2]),
        new([5], [1, 3]),
        new([0, 2, 3, 5, 1, 4], [2]),
        new([3, 3], [0, 1, 2, 3]),
    ];

    public static TheoryData<string, ReferenceCellKind, int, int, bool, bool> Cases => new()
    {
        { "rnn-tanh 1 layer", ReferenceCellKind.Rnn, 1, 3, true, true },
        { "rnn-tanh 2 layers no bias", ReferenceCellKind.Rnn, 2, 3, false, true },
        { "lstm 1 layer", ReferenceCellKind.Lstm, 1, 3, true, true },
        { "lstm 2 layers", ReferenceCellKind.Lstm, 2, 4, true, true },
        { "gru 2 layers", ReferenceCellKind.Gru, 2, 3, true, true },
        { "gru reset first", ReferenceCellKind.Gru, 1, 3, true, false },
        // 45 = 32 + 8 + 5 columns: the fused kernels' 512-bit, 256-bit and scalar paths all run.
        { "lstm hidden 45", ReferenceCellKind.Lstm, 1, 45, true, true },
        { "gru hidden 45 2 layers", ReferenceCellKind.Gru, 2, 45, true, true },
    };

    private static ReferenceEncoderDecoderConfig Config(ReferenceCellKind cell, int layers, int hidden, bool bias, bool lbr) =>
        new(cell, hidden, layers, EmbeddingSize: 3, SourceVocabulary, TargetSymbols, bias, lbr);

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_reference_gradients_match_finite_differences(string name, ReferenceCellKind cell, int layers, int hidden,
        bool bias, bool lbr)
    {
        _ = name;
        if (hidden > 10)
        {
            return; // the reference's own check needs no width: the small cases cover every term
        }

        var model = ReferenceEncoderDecoder.CreateRandom(Config(cell, layers, hidden, bias, lbr), seed: 17);
        (double _, Dictionary<string, double[]> analytic) = model.Gradients(Pairs);

        var mismatches = new List<string>();
        foreach (string parameter in model.ParameterNames)
        {
            double[] values = model.Parameters[parameter];
            for (int i = 0; i < values.Length; i++)
            {
                double saved = values[i];
                values[i] = saved + FiniteDifferences.Step;
                double plus = model.Loss(Pairs);
                values[i] = saved - FiniteDifferences.Step;
                double minus = model.Loss(Pairs);
                values[i] = saved;
                double numeric = (plus - minus) / (2 * FiniteDifferences.Step);
                if (!FiniteDifferences.Close(numeric, analytic[parameter][i]))
                {
                    mismatches.Add($"{parameter}[{i}]: analytic {analytic[parameter][i]:R}, finite difference {numeric:R}");
                }
            }
        }

        Assert.Empty(mismatches);
        // The encoder learns only through the bridge: its gradient is there, above ten times the check's 1e-6 floor.
        foreach (string encoder in model.ParameterNames.Where(n => n.StartsWith("encoder.", StringComparison.Ordinal)))
        {
            Assert.True(analytic[encoder].Max(Math.Abs) > 1e-5, $"{encoder} receives a gradient ({analytic[encoder].Max(Math.Abs):E2})");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_engine_matches_the_reference(string name, ReferenceCellKind cell, int layers, int hidden, bool bias, bool lbr)
    {
        var config = Config(cell, layers, hidden, bias, lbr);
        var network = new EncoderDecoderNetwork(new EncoderDecoderShape(
            cell switch { ReferenceCellKind.Lstm => RecurrentCellKind.Lstm, ReferenceCellKind.Gru => RecurrentCellKind.Gru, _ => RecurrentCellKind.Rnn },
            RecurrentActivation.Tanh, hidden, layers, bias, lbr, config.EmbeddingSize, SourceVocabulary, TargetSymbols));
        var random = ReferenceEncoderDecoder.CreateRandom(config, seed: 29);
        Assert.Equal(random.ParameterNames.Order(), network.Parameters.Select(p => p.Name).Order());
        foreach (var p in network.Parameters)
        {
            for (var i = 0; i < p.Length; i++)
                p.Value[i] = (float)random.Parameters[p.Name][i];
        }

        var batch = new PairBatch(TargetSymbols);
        batch.Fill(Pairs.Select(p => new SequencePair(p.Source, p.Target)).ToArray(), [0, 1, 2, 3]);
        var loss = network.ComputeGradients(batch.Source, batch.Target, threads: 2);

        var reference = ReferenceEncoderDecoder.FromParameters(config, network.Parameters.ToDictionary(p => p.Name, p => p.Value));
        var (expectedLoss, expected) = reference.Gradients(Pairs);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-4 * Math.Max(1, expectedLoss), $"loss: engine {loss}, reference {expectedLoss}");
        var worst = 0.0;
        foreach (var p in network.Parameters)
        {
            var want = expected[p.Name];
            var scale = want.Max(Math.Abs);
            for (var i = 0; i < want.Length; i++)
            {
                var error = Math.Abs(p.Gradient[i] - want[i]);
                Assert.True(error <= 1e-4 * Math.Abs(want[i]) + 1e-6 * scale + 1e-9,
                    $"{p.Name}[{i}]: engine {p.Gradient[i]}, reference {want[i]}");
                worst = Math.Max(worst, scale > 0 ? error / scale : 0);
            }
        }
        log.WriteLine($"{name}: |loss − reference| {Math.Abs(loss - expectedLoss):E2}, largest gradient error {worst:E2} of its parameter's largest");
    }
}
