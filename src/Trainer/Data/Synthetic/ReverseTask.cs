namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// Sequence reversal, the encoder–decoder's built-in task (<c>reverse:N</c>): a source of 1 to N symbols drawn
/// uniformly from eight ("a"–"h"), its length uniform too; the target is the source read backwards. Every target
/// symbol comes from exactly one source position, at a distance that differs per position and per length, so the
/// whole source must pass through the encoder's final state, and the decoder must find the end by itself.
/// </summary>
/// <remarks>
/// The baseline is the model that copies its input unchanged: it is right at position i exactly when
/// x_i = x_{L−1−i} (the middle of an odd length, and 1 in 8 elsewhere), and right on a whole sequence only for a
/// palindrome.
/// </remarks>
internal static class ReverseTask
{
    /// <summary>Symbols to draw from.</summary>
    public const int Alphabet = 8;

    /// <summary>The longest source a spec may ask for: the decoder then runs N + 1 steps.</summary>
    public const int MaxLength = 500;

    /// <summary>The symbols, in id order.</summary>
    public static IReadOnlyList<string> Symbols { get; } = Enumerable.Range(0, Alphabet).Select(i => ((char)('a' + i)).ToString()).ToArray();

    /// <summary>Generates <paramref name="count"/> pairs with sources of 1 to <paramref name="maxLength"/> symbols.</summary>
    public static SequencePair[] Generate(int maxLength, int count, ulong seed)
    {
        if (maxLength is < 1 or > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"reverse:N takes N from 1 to {MaxLength}");
        var random = new DeterministicRandom(seed);
        var pairs = new SequencePair[count];
        for (var n = 0; n < count; n++)
        {
            var source = new int[1 + random.NextInt(maxLength)];
            for (var i = 0; i < source.Length; i++)
                source[i] = random.NextInt(Alphabet);
            pairs[n] = new SequencePair(source, source.Reverse().ToArray());
        }
        return pairs;
    }
}
