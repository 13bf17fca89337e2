using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The float32 engine against the independent double-precision reference, loaded with the engine's own weights:
/// loss, every parameter gradient and the adjoint norms agree within relative error 1e-4.
/// </summary>
public class EngineVersusReferenceTests
{
    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, HeadKind Head, bool UseBias = true, bool LinearBeforeReset = true, int? Truncation = null,
        int Hidden = 5, int[]? Dilations = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases()
    {
        var data = new TheoryData<Case>();
        foreach (var (cellName, cell, activation, lbr) in new[]
        {
            ("rnn-tanh", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, true), ("rnn-relu", RecurrentCellKind.Rnn, RecurrentActivation.Relu, true),
            ("rnn-sigmoid", RecurrentCellKind.Rnn, RecurrentActivation.Sigmoid, true), ("lstm", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, true),
            ("gru", RecurrentCellKind.Gru, RecurrentActivation.Tanh, true), ("gru-reset-first", RecurrentCellKind.Gru, RecurrentActivation.Tanh, false),
        })
        {
            data.Add(new Case($"{cellName} numeric binary", cell, activation, 1, false, false, HeadKind.Binary, LinearBeforeReset: lbr));
            data.Add(new Case($"{cellName} tokens multiclass 2 layers", cell, activation, 2, false, true, HeadKind.MultiClass, LinearBeforeReset: lbr));
            data.Add(new Case($"{cellName} bidirectional regression", cell, activation, 1, true, false, HeadKind.Regression, LinearBeforeReset: lbr));
            data.Add(new Case($"{cellName} bidirectional 2 layers tokens", cell, activation, 2, true, true, HeadKind.Binary, LinearBeforeReset: lbr));
            data.Add(new Case($"{cellName} no bias", cell, activation, 1, false, false, HeadKind.MultiClass, UseBias: false, LinearBeforeReset: lbr));
            data.Add(new Case($"{cellName} truncated k2=2", cell, activation, 2, true, false, HeadKind.Binary, LinearBeforeReset: lbr, Truncation: 2));
            // 45 = 32 + 8 + 5 columns: the fused kernels' 512-bit, 256-bit and scalar paths all run.
            data.Add(new Case($"{cellName} hidden 45 bidirectional 2 layers", cell, activation, 2, true, false, HeadKind.MultiClass, LinearBeforeReset: lbr, Hidden: 45));
            // Skip connections through time: sub-sequences of unequal length (odd lengths), stacked, both directions.
            data.Add(new Case($"{cellName} dilations 1,3 bidirectional tokens", cell, activation, 2, true, true, HeadKind.MultiClass, LinearBeforeReset: lbr, Dilations: [1, 3]));
            data.Add(new Case($"{cellName} dilations 2,5 truncated k2=3", cell, activation, 2, true, false, HeadKind.Binary, LinearBeforeReset: lbr, Truncation: 3, Dilations: [2, 5]));
            data.Add(new Case($"{cellName} dilation 3 hidden 45 regression", cell, activation, 1, false, false, HeadKind.Regression, LinearBeforeReset: lbr, Hidden: 45, Dilations: [3]));
            data.Add(new Case($"{cellName} dilations 2,3 hidden 45 bidirectional", cell, activation, 2, true, false, HeadKind.MultiClass, LinearBeforeReset: lbr, Hidden: 45, Dilations: [2, 3]));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_gradients_and_adjoint_norms_match_the_reference(Case c)
    {
        var options = new SequenceModelOptions
        {
            Cell = c.Cell,
            Activation = c.Activation,
            HiddenSize = c.Hidden,
            Layers = c.Layers,
            Bidirectional = c.Bidirectional,
            UseBias = c.UseBias,
            GruLinearBeforeReset = c.LinearBeforeReset,
            EmbeddingSize = 4,
            Dilations = c.Dilations,
            Seed = 13,
            Threads = 2,
        };
        int[] lengths = c.Dilations is null ? [5, 2, 4, 1, 3] : [7, 2, 5, 1, 3];
        const int classes = 3, features = 3, vocabulary = 10;
        var data = c.Tokens
            ? EngineFixtures.TokenData(5, vocabulary, lengths, c.Head, classes, seed: 21)
            : EngineFixtures.NumericData(5, features, lengths, c.Head, classes, seed: 21);
        var network = EngineFixtures.Network(options, data);
        var adjoints = new AdjointRecorder();
        var loss = network.ComputeGradients(EngineFixtures.Batch(data), c.Truncation, adjoints, 2);

        var config = new ReferenceConfig
        {
            Cell = c.Cell switch { RecurrentCellKind.Lstm => ReferenceCellKind.Lstm, RecurrentCellKind.Gru => ReferenceCellKind.Gru, _ => ReferenceCellKind.Rnn },
            Activation = c.Activation switch
            {
                RecurrentActivation.Relu => ReferenceActivation.Relu,
                RecurrentActivation.Sigmoid => ReferenceActivation.Sigmoid,
                _ => ReferenceActivation.Tanh,
            },
            HiddenSize = c.Hidden,
            Layers = c.Layers,
            Bidirectional = c.Bidirectional,
            UseBias = c.UseBias,
            LinearBeforeReset = c.LinearBeforeReset,
            Input = c.Tokens ? ReferenceInputKind.Tokens : ReferenceInputKind.Numeric,
            EmbeddingSize = c.Tokens ? 4 : 0,
            VocabularySize = c.Tokens ? vocabulary : 0,
            FeatureCount = c.Tokens ? 0 : features,
            Head = c.Head switch
            {
                HeadKind.Binary => ReferenceHeadKind.Binary,
                HeadKind.MultiClass => ReferenceHeadKind.MultiClass,
                _ => ReferenceHeadKind.Regression,
            },
            ClassCount = c.Head == HeadKind.MultiClass ? classes : 0,
            Truncation = c.Truncation,
            Dilations = c.Dilations,
        };
        var reference = ReferenceModel.FromParameters(config, network.Parameters.ToDictionary(p => p.Name, p => p.Value));
        var expected = reference.Gradients(data.Examples.Select(ToReference).ToArray());

        Assert.True(Math.Abs(loss - expected.Loss) <= 1e-4 * Math.Max(1, Math.Abs(expected.Loss)),
            $"loss: engine {loss}, reference {expected.Loss}");
        foreach (var p in network.Parameters)
            AssertClose(p.Name, expected.Gradients[p.Name], p.Gradient);
        for (var b = 0; b < data.Count; b++)
        {
            var want = expected.AdjointNorms[b].Norms;
            AssertClose($"g_t of sample {b}", want, adjoints.NormsOf(b).ToArray());
        }
    }

    private static void AssertClose(string what, double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= 1e-4 * Math.Abs(expected[i]) + 1e-6 * scale + 1e-9,
                $"{what}[{i}]: engine {actual[i]}, reference {expected[i]}");
        }
    }

    private static ReferenceSample ToReference(SequenceExample e)
    {
        if (e.TokenIds is not null)
            return ReferenceSample.FromTokens(e.TokenIds, Math.Max(0, e.ClassIndex), e.Target);
        var width = e.Features!.Length / e.Length;
        var steps = Enumerable.Range(0, e.Length)
            .Select(t => e.Features.Skip(t * width).Take(width).Select(v => (double)v).ToArray()).ToArray();
        return ReferenceSample.FromSteps(steps, Math.Max(0, e.ClassIndex), e.Target);
    }
}
