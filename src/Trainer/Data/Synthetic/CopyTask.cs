namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// The copying memory problem of Arjovsky, Shah and Bengio (2016), after Hochreiter and Schmidhuber (1997): the
/// input is 10 symbols drawn uniformly from 8, then T − 1 blanks, a marker, and 10 more blanks (T + 20 steps); the
/// target is a blank at each of the first T + 10 steps and then the 10 symbols, in order. Each input step is a
/// one-hot vector over 10 categories in the paper's order: blank, the symbols 1–8, the marker. The classes are the
/// blank "_" and the symbols "1"–"8"; every step has a label, so the per-step loss averages over T + 20 steps.
/// </summary>
/// <remarks>
/// A network with no memory can still output blanks until the marker and then guess the symbols uniformly: its
/// cross-entropy is <see cref="BaselineCrossEntropy"/> = 10·ln 8 / (T + 20), the baseline the paper reports.
/// </remarks>
internal static class CopyTask
{
    /// <summary>The shortest delay: the marker right after the symbols.</summary>
    public const int MinLength = 1;

    /// <summary>Symbols to copy.</summary>
    public const int Copied = 10;

    /// <summary>Symbols to draw them from.</summary>
    public const int Alphabet = 8;

    /// <summary>Width of a step: blank, 8 symbols, marker.</summary>
    public const int Categories = Alphabet + 2;

    private const int Blank = 0, Marker = Alphabet + 1;

    /// <summary>The memoryless strategy's mean cross-entropy per step, 10·ln 8 / (T + 20), in nats.</summary>
    public static double BaselineCrossEntropy(int length) => Copied * Math.Log(Alphabet) / (length + 2 * Copied);

    /// <summary>Generates <paramref name="count"/> sequences of T + 20 steps.</summary>
    public static SequenceDataset Generate(int length, int count, ulong seed, string name, CancellationToken cancellation = default)
    {
        var random = new DeterministicRandom(seed);
        var steps = length + 2 * Copied;
        var examples = new SequenceExample[count];
        for (var n = 0; n < count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var input = new float[steps * Categories];
            var target = new int[steps];
            for (var t = 0; t < steps; t++)
                input[t * Categories + Blank] = 1f;
            for (var i = 0; i < Copied; i++)
            {
                var symbol = 1 + random.NextInt(Alphabet);
                input[i * Categories + Blank] = 0f;
                input[i * Categories + symbol] = 1f;
                target[length + Copied + i] = symbol; // class k is symbol k, class 0 the blank
            }
            var marker = Copied + length - 1;
            input[marker * Categories + Blank] = 0f;
            input[marker * Categories + Marker] = 1f;
            examples[n] = SequenceExample.FromSteps(input, Categories, target);
        }
        return new SequenceDataset(name, InputKind.Numeric, Categories, null, LabelSet.Classes(ClassNames), examples);
    }

    /// <summary>The blank and the eight symbols, in class order.</summary>
    public static readonly string[] ClassNames = ["_", "1", "2", "3", "4", "5", "6", "7", "8"];
}
