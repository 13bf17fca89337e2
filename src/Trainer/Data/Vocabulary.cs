namespace Recurrent.Trainer.Data;

/// <summary>
/// Maps tokens to embedding rows. Id 0 is padding and id 1 stands for every token not in the vocabulary.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>The padding id; padded steps are masked and never read.</summary>
    public const int PaddingId = 0;

    /// <summary>The id of tokens missing from the vocabulary.</summary>
    public const int UnknownId = 1;

    /// <summary>The reserved token text of <see cref="PaddingId"/>.</summary>
    public const string PaddingToken = "<pad>";

    /// <summary>The reserved token text of <see cref="UnknownId"/>.</summary>
    public const string UnknownToken = "<unk>";

    private readonly Dictionary<string, int> _ids;

    /// <summary>A vocabulary with exactly these tokens after the two reserved ones.</summary>
    public Vocabulary(IEnumerable<string> tokens)
    {
        var all = new List<string> { PaddingToken, UnknownToken };
        _ids = new Dictionary<string, int>(StringComparer.Ordinal) { [PaddingToken] = 0, [UnknownToken] = 1 };
        foreach (var token in tokens)
        {
            if (_ids.TryAdd(token, all.Count))
                all.Add(token);
        }
        Tokens = all;
    }

    /// <summary>All tokens in id order, the two reserved ones first.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Number of ids, reserved ones included (the embedding's row count).</summary>
    public int Count => Tokens.Count;

    /// <summary>The id of a token, <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
    public int IdOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.GetValueOrDefault(token, UnknownId);
    }

    /// <summary>The ids of a token sequence; a null token is an <see cref="ArgumentException"/> naming its position.</summary>
    public int[] Encode(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            // Untyped callers (JSON with "tokens": [null]) can hand in nulls despite the annotation.
            var token = tokens[i] ?? throw new ArgumentException($"token {i} is null; tokens are strings.", nameof(tokens));
            ids[i] = _ids.GetValueOrDefault(token, UnknownId);
        }
        return ids;
    }

    /// <summary>
    /// Builds a vocabulary from token sequences: tokens seen at least <paramref name="minCount"/> times, the
    /// most frequent first (ties in ordinal order), at most <paramref name="maxSize"/> ids in all.
    /// </summary>
    public static Vocabulary Build(IEnumerable<IReadOnlyList<string>> sequences, int maxSize = int.MaxValue,
        int minCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 2);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sequence in sequences)
            CountTokens(counts, sequence);
        return FromCounts(counts, maxSize, minCount);
    }

    /// <summary>Adds one sequence's tokens to <paramref name="counts"/>, as <see cref="Build"/> counts them.</summary>
    internal static void CountTokens(Dictionary<string, int> counts, IReadOnlyList<string> sequence)
    {
        foreach (var token in sequence)
            counts[token] = counts.GetValueOrDefault(token) + 1;
    }

    /// <summary>The vocabulary <see cref="Build"/> makes of tokens counted with <see cref="CountTokens"/>.</summary>
    internal static Vocabulary FromCounts(Dictionary<string, int> counts, int maxSize, int minCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 2);
        var kept = counts
            .Where(pair => pair.Value >= minCount && pair.Key != PaddingToken && pair.Key != UnknownToken)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(maxSize - 2)
            .Select(pair => pair.Key);
        return new Vocabulary(kept);
    }
}
