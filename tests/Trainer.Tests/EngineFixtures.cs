using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests;

/// <summary>Small random datasets and networks for engine tests.</summary>
internal static class EngineFixtures
{
    public static SequenceDataset NumericData(int count, int features, int[] lengths, HeadKind head, int classes,
        int seed)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var examples = new SequenceExample[count];
        for (var i = 0; i < count; i++)
        {
            var length = lengths[i % lengths.Length];
            var steps = new float[length * features];
            for (var j = 0; j < steps.Length; j++)
                steps[j] = (float)rng.NextUniform(-1, 1);
            examples[i] = head == HeadKind.Regression
                ? SequenceExample.FromSteps(steps, features, (float)rng.NextUniform(-1, 1))
                : SequenceExample.FromSteps(steps, features, rng.NextInt(ClassCount(head, classes)));
        }
        return new SequenceDataset("random", InputKind.Numeric, features, null, Labels(head, classes), examples);
    }

    public static SequenceDataset TokenData(int count, int vocabulary, int[] lengths, HeadKind head, int classes, int seed)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var vocab = new Vocabulary(Enumerable.Range(0, vocabulary - 2).Select(i => $"w{i}"));
        var examples = new SequenceExample[count];
        for (var i = 0; i < count; i++)
        {
            var ids = new int[lengths[i % lengths.Length]];
            for (var j = 0; j < ids.Length; j++)
                ids[j] = 1 + rng.NextInt(vocabulary - 1);
            examples[i] = head == HeadKind.Regression
                ? SequenceExample.FromTokens(ids, (float)rng.NextUniform(-1, 1))
                : SequenceExample.FromTokens(ids, rng.NextInt(ClassCount(head, classes)));
        }
        return new SequenceDataset("random-tokens", InputKind.Tokens, 0, vocab, Labels(head, classes), examples);
    }

    /// <summary>
    /// Numeric or token sequences with a label per step; about one step in five (never a sequence's last) has none.
    /// </summary>
    public static SequenceDataset PerStepData(bool tokens, int count, int width, int[] lengths, HeadKind head,
        int classes, int seed)
    {
        var rng = new DeterministicRandom((ulong)seed);
        var vocab = new Vocabulary(Enumerable.Range(0, width - 2).Select(i => $"w{i}"));
        var examples = new SequenceExample[count];
        for (var i = 0; i < count; i++)
        {
            var length = lengths[i % lengths.Length];
            var labelled = Enumerable.Range(0, length).Select(t => t == length - 1 || rng.NextInt(5) > 0).ToArray();
            var ids = tokens ? Enumerable.Range(0, length).Select(_ => 1 + rng.NextInt(width - 1)).ToArray() : null;
            var steps = tokens ? null : Enumerable.Range(0, length * width).Select(_ => (float)rng.NextUniform(-1, 1)).ToArray();
            if (head == HeadKind.Regression)
            {
                var targets = labelled.Select(l => l ? (float)rng.NextUniform(-1, 1) : float.NaN).ToArray();
                examples[i] = tokens ? SequenceExample.FromTokens(ids!, targets) : SequenceExample.FromSteps(steps!, width, targets);
            }
            else
            {
                var stepClasses = labelled.Select(l => l ? rng.NextInt(ClassCount(head, classes)) : SequenceExample.Unlabelled).ToArray();
                examples[i] = tokens ? SequenceExample.FromTokens(ids!, stepClasses) : SequenceExample.FromSteps(steps!, width, stepClasses);
            }
        }
        return tokens
            ? new SequenceDataset("random-tokens", InputKind.Tokens, 0, vocab, Labels(head, classes), examples)
            : new SequenceDataset("random", InputKind.Numeric, width, null, Labels(head, classes), examples);
    }

    private static int ClassCount(HeadKind head, int classes) => head == HeadKind.Binary ? 2 : classes;

    private static LabelSet Labels(HeadKind head, int classes) => head switch
    {
        HeadKind.Regression => LabelSet.Regression(),
        HeadKind.Binary => LabelSet.Classes(["0", "1"]),
        _ => LabelSet.Classes(Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray()),
    };

    /// <summary>
    /// An initialised network for the data, with weights spread a little wider than the default. With
    /// <paramref name="skipBias"/> every direction has a skip gate whose b_p is that value (−0.4: Δũ near 0.4, so
    /// most updates are followed by skipped steps).
    /// </summary>
    public static SequenceNetwork Network(SequenceModelOptions options, SequenceDataset data, float? skipBias = null)
    {
        var network = new SequenceNetwork(NetworkShape.For(options, data) with { SkipUpdates = skipBias is not null });
        Initializer.Initialize(network, options, new DeterministicRandom((ulong)options.SeedOrDefault));
        var rng = new DeterministicRandom((ulong)options.SeedOrDefault + 17);
        foreach (var p in network.Parameters)
        {
            for (var i = 0; i < p.Length; i++)
                p.Value[i] += (float)rng.NextUniform(-0.2, 0.2);
        }
        foreach (var gate in network.Layers.SelectMany(layer => layer).Select(d => d.SkipGate).OfType<SkipUpdateGate>())
            gate.Bias.Value[0] = skipBias!.Value;
        return network;
    }

    public static SequenceBatch Batch(SequenceDataset data)
    {
        var batch = new SequenceBatch();
        batch.Fill(data.Examples, Enumerable.Range(0, data.Count).ToArray(), data.FeatureCount);
        return batch;
    }
}
