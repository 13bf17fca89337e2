namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// Information latching in the style of Bengio, Simard and Frasconi 1994: the class is decided by the first
/// step alone and the network must hold it to the end. One feature per step: step 0 is +1 for class "1" and −1
/// for class "0" (each with probability 1/2); steps 1 … T−1 are Gaussian noise with mean 0 and standard deviation
/// 0.2 that carries no information. The noise level is our choice; the 1994 paper's exact setting differs.
/// </summary>
internal static class LatchTask
{
    /// <summary>Shortest sequence: the deciding step alone.</summary>
    public const int MinLength = 1;

    /// <summary>Standard deviation of the distractor noise.</summary>
    public const double NoiseDeviation = 0.2;

    /// <summary>Generates <paramref name="count"/> sequences of <paramref name="length"/> steps.</summary>
    public static SequenceDataset Generate(int length, int count, ulong seed, string name, CancellationToken cancellation = default)
    {
        var random = new DeterministicRandom(seed);
        var examples = new SequenceExample[count];
        for (var n = 0; n < count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var steps = new float[length];
            var classIndex = random.NextInt(2);
            steps[0] = classIndex == 1 ? 1f : -1f;
            for (var t = 1; t < length; t++)
                steps[t] = (float)(NoiseDeviation * random.NextGaussian());
            examples[n] = SequenceExample.FromSteps(steps, 1, classIndex);
        }
        return new SequenceDataset(name, InputKind.Numeric, 1, null, LabelSet.Classes(["0", "1"]), examples);
    }
}
