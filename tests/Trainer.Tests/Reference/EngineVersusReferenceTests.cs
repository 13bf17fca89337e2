using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The float32 engine against the independent double-precision reference, loaded with the engine's own weights:
/// loss, every parameter gradient and the adjoint norms (of every layer's every direction) agree within relative
/// error 1e-4, for per-sequence and per-step heads (whose adjoint norms are those of each sequence's last step's loss
/// alone, carried back by the forward directions only), and with skip gates
/// (Campos et al.'s Skip RNN: the straight-through gradient, with and without a budget), where every batch both
/// skips and updates and no ũ_t lies within 1e-4 of ½ (float and double round it alike).
/// </summary>
public class EngineVersusReferenceTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, HeadKind Head, bool UseBias = true, bool LinearBeforeReset = true, int? Truncation = null,
        int Hidden = 5, int[]? Dilations = null, bool PerStep = false, float? SkipBudget = null,
        float SkipBias = -0.4f)
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
            // Per-step heads: a loss at every labelled step, some steps unlabelled; truncation cuts segments of k steps.
            data.Add(new Case($"{cellName} per-step numeric binary", cell, activation, 1, false, false, HeadKind.Binary, LinearBeforeReset: lbr, PerStep: true));
            data.Add(new Case($"{cellName} per-step tokens multiclass 2 layers bidirectional", cell, activation, 2, true, true, HeadKind.MultiClass, LinearBeforeReset: lbr, PerStep: true));
            data.Add(new Case($"{cellName} per-step bidirectional regression", cell, activation, 1, true, false, HeadKind.Regression, LinearBeforeReset: lbr, PerStep: true));
            data.Add(new Case($"{cellName} per-step no bias", cell, activation, 1, false, true, HeadKind.MultiClass, UseBias: false, LinearBeforeReset: lbr, PerStep: true));
            data.Add(new Case($"{cellName} per-step truncated k=2", cell, activation, 2, true, false, HeadKind.Binary, LinearBeforeReset: lbr, Truncation: 2, PerStep: true));
            data.Add(new Case($"{cellName} per-step hidden 45 bidirectional 2 layers", cell, activation, 2, true, false, HeadKind.MultiClass, LinearBeforeReset: lbr, Hidden: 45, PerStep: true));
            data.Add(new Case($"{cellName} per-step dilations 1,3 bidirectional tokens", cell, activation, 2, true, true, HeadKind.MultiClass, LinearBeforeReset: lbr, Dilations: [1, 3], PerStep: true));
            data.Add(new Case($"{cellName} per-step dilations 2,5 truncated k=3", cell, activation, 2, true, false, HeadKind.Binary, LinearBeforeReset: lbr, Truncation: 3, Dilations: [2, 5], PerStep: true));
            data.Add(new Case($"{cellName} per-step dilation 3 hidden 45 regression truncated k=4", cell, activation, 1, false, false, HeadKind.Regression, LinearBeforeReset: lbr, Hidden: 45, Truncation: 4, Dilations: [3], PerStep: true));
            // Skip gates (SkipBudget set; 0 is the gate without a budget).
            data.Add(new Case($"{cellName} skip numeric binary budget", cell, activation, 1, false, false, HeadKind.Binary, LinearBeforeReset: lbr, SkipBudget: 0.01f));
            data.Add(new Case($"{cellName} skip tokens multiclass 2 layers bidirectional", cell, activation, 2, true, true, HeadKind.MultiClass, LinearBeforeReset: lbr, SkipBudget: 0));
            data.Add(new Case($"{cellName} skip no bias regression truncated k2=2 budget", cell, activation, 2, true, false, HeadKind.Regression, UseBias: false, LinearBeforeReset: lbr, Truncation: 2, SkipBudget: 0.02f));
            data.Add(new Case($"{cellName} skip hidden 45 bidirectional budget", cell, activation, 1, true, false, HeadKind.MultiClass, LinearBeforeReset: lbr, Hidden: 45, SkipBudget: 0.01f, SkipBias: -1f));
            data.Add(new Case($"{cellName} skip dilations 1,3 bidirectional tokens", cell, activation, 2, true, true, HeadKind.Binary, LinearBeforeReset: lbr, Dilations: [1, 3], SkipBudget: 0.01f));
            data.Add(new Case($"{cellName} skip per-step tokens bidirectional budget", cell, activation, 1, true, true, HeadKind.MultiClass, LinearBeforeReset: lbr, PerStep: true, SkipBudget: 0.01f));
            data.Add(new Case($"{cellName} skip per-step truncated k=2 2 layers", cell, activation, 2, false, false, HeadKind.Binary, LinearBeforeReset: lbr, Truncation: 2, PerStep: true, SkipBudget: 0.01f));
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
        int[] lengths = c.SkipBudget is not null ? [9, 2, 7, 1, 5] : c.Dilations is null && !c.PerStep ? [5, 2, 4, 1, 3] : [7, 2, 5, 1, 3];
        const int classes = 3, features = 3, vocabulary = 10;
        var data = c.PerStep
            ? EngineFixtures.PerStepData(c.Tokens, 5, c.Tokens ? vocabulary : features, lengths, c.Head, classes, seed: 21)
            : c.Tokens
            ? EngineFixtures.TokenData(5, vocabulary, lengths, c.Head, classes, seed: 21)
            : EngineFixtures.NumericData(5, features, lengths, c.Head, classes, seed: 21);
        var network = EngineFixtures.Network(options, data, c.SkipBudget is null ? null : c.SkipBias);
        var adjoints = new AdjointRecorder();
        // Every layer's every direction records its own path (a per-step head's reverse directions carry nothing of
        // the last step's loss back, so they record none); layer 0's forward one is the global recorder.
        var paths = Enumerable.Range(0, c.Layers).Select(l => Enumerable.Range(0, c.Bidirectional ? 2 : 1)
            .Select(d => l == 0 && d == 0 ? adjoints : c.PerStep && d == 1 ? null : new AdjointRecorder()).ToArray()).ToArray();
        var loss = network.ComputeGradients(EngineFixtures.Batch(data), c.Truncation, adjoints, 2, skipBudget: c.SkipBudget ?? 0,
            paths: paths);

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
            PerStep = c.PerStep,
            SkipUpdates = c.SkipBudget is not null,
            SkipBudget = c.SkipBudget ?? 0,
        };
        var reference = ReferenceModel.FromParameters(config, network.Parameters.ToDictionary(p => p.Name, p => p.Value));
        var samples = data.Examples.Select(ToReference).ToArray();
        var expected = reference.Gradients(samples);
        if (c.SkipBudget is not null)
        {
            Assert.All(samples, sample => Assert.True(reference.RoundingMargin(sample) > 1e-4, "a ũ_t near ½"));
            var shares = network.UpdateShares();
            Assert.True(shares[0] is > 0 and < 1, $"layer 0 updated {shares[0]:P0} of its steps");
            var updates = samples.Sum(sample => reference.Updates(sample).Sum(layer => layer.Sum(direction => direction.Sum())));
            var steps = data.Examples.Sum(e => e.Length) * c.Layers * (c.Bidirectional ? 2 : 1);
            Assert.Equal(updates / steps, shares.Average(), 12);
        }

        Assert.True(Math.Abs(loss - expected.Loss) <= 1e-4 * Math.Max(1, Math.Abs(expected.Loss)),
            $"loss: engine {loss}, reference {expected.Loss}");
        var worst = 0.0;
        foreach (var p in network.Parameters)
        {
            // The skip gate's gradient sums ∂L/∂u_t ∝ ⟨∂L/∂s_t, S̃_t − s_{t−1}⟩: a difference of two float32 states,
            // which can cancel to far below either, so its floor is ten times the others' (1e-5 of its largest).
            var floor = p.Name.EndsWith("_p", StringComparison.Ordinal) ? 1e-5 : 1e-6;
            worst = Math.Max(worst, AssertClose(p.Name, expected.Gradients[p.Name], p.Gradient, floor));
        }
        for (var b = 0; b < data.Count; b++)
        {
            var want = expected.AdjointNorms[b].Norms;
            AssertClose($"g_t of sample {b}", want, adjoints.NormsOf(b).ToArray());
        }
        // Each path against the reference's ∂L_b/∂s_t of that layer and direction; a reverse direction's row runs
        // from the sequence's end back to step 0, where its loss enters (the skip reference reports layer 0 forward).
        var compared = 0;
        foreach (var (layer, direction) in expected.AdjointNorms[0].Paths.Keys)
        {
            if (paths[layer][direction] is not { } recorder)
                continue;
            for (var b = 0; b < data.Count; b++)
            {
                var want = expected.AdjointNorms[b].Paths[(layer, direction)].Norms;
                AssertClose($"g_t of layer {layer} direction {direction} sample {b}", direction == 1 ? [.. want.Reverse()] : want,
                    recorder.NormsOf(b).ToArray());
            }
            compared++;
        }
        Assert.Equal(c.SkipBudget is not null ? 1 : c.Layers * (c.Bidirectional && !c.PerStep ? 2 : 1), compared);
        log.WriteLine($"{c.Name}: |loss − reference| {Math.Abs(loss - expected.Loss):E2}, largest gradient error {worst:E2} of its parameter's largest gradient");
    }

    // Asserts the tolerance and returns the largest error relative to the largest expected magnitude.
    private static double AssertClose(string what, double[] expected, float[] actual, double floor = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= 1e-4 * Math.Abs(expected[i]) + floor * scale + 1e-9,
                $"{what}[{i}]: engine {actual[i]}, reference {expected[i]}");
            if (scale > 0)
                worst = Math.Max(worst, error / scale);
        }
        return worst;
    }

    internal static ReferenceSample ToReference(SequenceExample e)
    {
        ReferenceSample sample;
        if (e.TokenIds is not null)
        {
            sample = ReferenceSample.FromTokens(e.TokenIds, Math.Max(0, e.ClassIndex), e.Target);
        }
        else
        {
            var width = e.Features!.Length / e.Length;
            var steps = Enumerable.Range(0, e.Length)
                .Select(t => e.Features.Skip(t * width).Take(width).Select(v => (double)v).ToArray()).ToArray();
            sample = ReferenceSample.FromSteps(steps, Math.Max(0, e.ClassIndex), e.Target);
        }
        return sample with
        {
            StepClasses = e.StepClassIndices?.ToArray(),
            StepTargets = e.StepTargets?.Select(v => (double)v).ToArray(),
        };
    }
}
