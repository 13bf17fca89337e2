namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// The temporal order problem (Hochreiter and Schmidhuber 1997, experiments 6a and 6b; the fixed-length form of
/// Pascanu, Mikolov and Bengio 2013). Every step is a one-hot vector over six symbols, in feature order
/// X, Y, a, b, c, d. Distractors a–d fill the sequence uniformly at random, except at two (or three) relevant
/// positions that hold X or Y, each with probability 1/2. The class is the order of the relevant symbols.
/// <list type="bullet">
/// <item>4 classes (XX, XY, YX, YY): positions uniform in [⌊0.1T⌋, ⌊0.2T⌋) and [⌊0.5T⌋, ⌊0.6T⌋).</item>
/// <item>8 classes (XXX … YYY): positions uniform in [⌊0.1T⌋, ⌊0.2T⌋), [⌊0.33T⌋, ⌊0.43T⌋) and
/// [⌊0.66T⌋, ⌊0.76T⌋), the windows of experiment 6b scaled to length T.</item>
/// </list>
/// Unlike the 1997 original there are no begin/end marker symbols and T is fixed per dataset. Classes are
/// numbered with the first relevant symbol most significant (XX = 0, XY = 1, YX = 2, YY = 3).
/// </summary>
internal static class TemporalOrderTask
{
    /// <summary>Shortest sequence for which every window holds at least one position.</summary>
    public const int MinLength = 10;

    /// <summary>Width of a step: X, Y and four distractors.</summary>
    public const int SymbolCount = 6;

    private const int DistractorCount = 4;

    // Windows in percent of T: [start, end) per relevant symbol.
    private static readonly (int Start, int End)[] TwoWindows = [(10, 20), (50, 60)];
    private static readonly (int Start, int End)[] ThreeWindows = [(10, 20), (33, 43), (66, 76)];

    /// <summary>Generates <paramref name="count"/> sequences of <paramref name="length"/> steps.</summary>
    /// <param name="length">T, at least <see cref="MinLength"/>.</param>
    /// <param name="classCount">4 (two relevant symbols) or 8 (three).</param>
    /// <param name="count">Number of sequences.</param>
    /// <param name="seed">Seed of the generator.</param>
    /// <param name="name">The dataset's name.</param>
    /// <param name="cancellation">Checked before each sequence.</param>
    public static SequenceDataset Generate(int length, int classCount, int count, ulong seed, string name, CancellationToken cancellation = default)
    {
        var windows = classCount == 8 ? ThreeWindows : TwoWindows;
        var random = new DeterministicRandom(seed);
        var examples = new SequenceExample[count];
        for (var n = 0; n < count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var steps = new float[length * SymbolCount];
            for (var t = 0; t < length; t++)
                steps[t * SymbolCount + 2 + random.NextInt(DistractorCount)] = 1f;
            var classIndex = 0;
            foreach (var (start, end) in windows)
            {
                var t = random.NextInt(length * start / 100, length * end / 100);
                var symbol = random.NextInt(2); // 0 = X, 1 = Y
                steps.AsSpan(t * SymbolCount, SymbolCount).Clear();
                steps[t * SymbolCount + symbol] = 1f;
                classIndex = 2 * classIndex + symbol;
            }
            examples[n] = SequenceExample.FromSteps(steps, SymbolCount, classIndex);
        }
        return new SequenceDataset(name, InputKind.Numeric, SymbolCount, null,
            LabelSet.Classes(ClassNames(windows.Length)), examples);
    }

    /// <summary>All orders of <paramref name="relevant"/> symbols over {X, Y}, in class-index order.</summary>
    private static string[] ClassNames(int relevant) =>
        Enumerable.Range(0, 1 << relevant)
            .Select(c => string.Concat(Enumerable.Range(0, relevant)
                .Select(i => ((c >> (relevant - 1 - i)) & 1) == 0 ? 'X' : 'Y')))
            .ToArray();
}
