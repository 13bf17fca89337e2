namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Small deterministic batches for the reference's tests.</summary>
internal static class ReferenceFixtures
{
    /// <summary>Mixed valid lengths, including the length-1 edge case, in one batch.</summary>
    public static readonly int[] MixedLengths = [3, 1, 4];

    /// <summary>
    /// Samples padded to the longest length. Numeric padding is NaN and token padding is 0, so any read of a
    /// padded step poisons the loss or trips validation instead of passing unnoticed.
    /// </summary>
    public static ReferenceSample[] Batch(ReferenceConfig config, ulong seed, params int[] lengths)
    {
        var random = new ReferenceRandom(seed);
        int padded = lengths.Max();
        var batch = new ReferenceSample[lengths.Length];
        for (int b = 0; b < lengths.Length; b++)
        {
            int classIndex = config.Head switch
            {
                ReferenceHeadKind.Binary => random.NextInt(0, 2),
                ReferenceHeadKind.MultiClass => random.NextInt(0, config.ClassCount),
                _ => 0,
            };
            double target = config.Head == ReferenceHeadKind.Regression ? 2 * random.NextCentered() : 0;
            batch[b] = config.Input == ReferenceInputKind.Tokens
                ? ReferenceSample.FromTokens(Tokens(config, random, lengths[b], padded), classIndex, target, lengths[b])
                : ReferenceSample.FromSteps(Steps(config, random, lengths[b], padded), classIndex, target, lengths[b]);
            if (config.PerStep)
            {
                batch[b] = WithStepLabels(config, random, batch[b], lengths[b], padded);
            }
        }

        return batch;
    }

    /// <summary>
    /// A label per step; about one step in five (never the last, whose loss the adjoint norms follow) has none, and
    /// padding has none either (class −1, target NaN).
    /// </summary>
    private static ReferenceSample WithStepLabels(ReferenceConfig config, ReferenceRandom random, ReferenceSample sample,
        int length, int padded)
    {
        var classes = new int[padded];
        var targets = new double[padded];
        for (int t = 0; t < padded; t++)
        {
            bool labelled = t < length && (t == length - 1 || random.NextInt(0, 5) > 0);
            classes[t] = !labelled ? -1
                : config.Head == ReferenceHeadKind.MultiClass ? random.NextInt(0, config.ClassCount) : random.NextInt(0, 2);
            targets[t] = labelled ? 2 * random.NextCentered() : double.NaN;
        }

        return config.Head == ReferenceHeadKind.Regression
            ? sample with { StepTargets = targets }
            : sample with { StepClasses = classes };
    }

    private static int[] Tokens(ReferenceConfig config, ReferenceRandom random, int length, int padded)
    {
        var ids = new int[padded];
        for (int t = 0; t < length; t++)
        {
            ids[t] = random.NextInt(1, config.VocabularySize);
        }

        return ids;
    }

    private static double[][] Steps(ReferenceConfig config, ReferenceRandom random, int length, int padded)
    {
        var steps = new double[padded][];
        for (int t = 0; t < padded; t++)
        {
            steps[t] = new double[config.FeatureCount];
            for (int f = 0; f < config.FeatureCount; f++)
            {
                steps[t][f] = t < length ? 2 * random.NextCentered() : double.NaN;
            }
        }

        return steps;
    }
}
