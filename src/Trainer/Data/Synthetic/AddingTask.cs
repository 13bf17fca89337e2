namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// The adding problem (Hochreiter and Schmidhuber 1997), in the form used by Le, Jaitly and Hinton 2015 and
/// Arjovsky, Shah and Bengio 2016. Each of the T steps has two features: a value drawn uniformly from [0, 1) and
/// a marker. Exactly two steps are marked (marker 1, all others 0): one chosen uniformly among the first
/// ⌊T/2⌋ steps, the other among the remaining T − ⌊T/2⌋. The regression target is the sum of the two marked
/// values, in [0, 2); always predicting 1 scores a mean squared error of about 1/6.
/// </summary>
internal static class AddingTask
{
    /// <summary>Shortest sequence: one step in each half.</summary>
    public const int MinLength = 2;

    /// <summary>Generates <paramref name="count"/> sequences of <paramref name="length"/> steps.</summary>
    public static SequenceDataset Generate(int length, int count, ulong seed, string name, CancellationToken cancellation = default)
    {
        var random = new DeterministicRandom(seed);
        var half = length / 2;
        var examples = new SequenceExample[count];
        for (var n = 0; n < count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var steps = new float[length * 2];
            for (var t = 0; t < length; t++)
                steps[2 * t] = (float)random.NextDouble();
            var first = random.NextInt(0, half);
            var second = random.NextInt(half, length);
            steps[2 * first + 1] = 1f;
            steps[2 * second + 1] = 1f;
            examples[n] = SequenceExample.FromSteps(steps, 2, steps[2 * first] + steps[2 * second]);
        }
        return new SequenceDataset(name, InputKind.Numeric, 2, null, LabelSet.Regression(), examples);
    }
}
