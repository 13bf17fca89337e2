using System.Text.Json;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Reads an encoder–decoder's pairs from JSON Lines, one object per line: <c>{"source": ["c", "a", "b"],
/// "target": ["b", "a", "c"]}</c>, each symbol a string of the model's source or target symbols. With
/// <c>targetOptional</c> (data to decode) a line may leave out <c>target</c>. Blank lines are skipped, other
/// properties ignored; a problem is a <see cref="DataFormatException"/> naming the file, the line and the field.
/// </summary>
internal static class PairJsonlReader
{
    /// <summary>The most symbols a source or target may have: what a pass keeps grows with it.</summary>
    public const int MaxSymbols = 10_000;

    /// <summary>
    /// Reads at most <paramref name="limit"/> pairs (all when null); a pair read without a target has an empty one.
    /// Returns whether every pair has its target.
    /// </summary>
    public static (PairDataset Data, bool HasTargets) Read(string path, IReadOnlyList<string> sourceSymbols,
        IReadOnlyList<string> targetSymbols, int? limit = null, bool targetOptional = false)
    {
        var sourceIds = Index(sourceSymbols);
        var targetIds = Index(targetSymbols);
        var pairs = new List<SequencePair>();
        var hasTargets = true;
        using var reader = DataFile.OpenText(path);
        long line = 0;
        while ((limit is null || pairs.Count < limit) && reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(text);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new DataFormatException(path, line, null, $"not valid JSON ({e.Message})");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, line, null, "expected an object such as {\"source\": [\"a\", \"b\"], \"target\": [\"b\", \"a\"]}");
            var source = Symbols(path, line, root, "source", sourceIds) ??
                throw new DataFormatException(path, line, "source", "missing: every line needs its source symbols");
            var target = Symbols(path, line, root, "target", targetIds);
            if (target is null && !targetOptional)
                throw new DataFormatException(path, line, "target", "missing: evaluation needs every line's target symbols");
            hasTargets &= target is not null;
            pairs.Add(new SequencePair(source, target ?? []));
        }
        if (pairs.Count == 0)
            throw new DataFormatException(path, null, null, "no pairs: the file has no non-blank line");
        return (new PairDataset(path, sourceSymbols, targetSymbols, pairs), hasTargets);
    }

    private static Dictionary<string, int> Index(IReadOnlyList<string> symbols) =>
        symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);

    // The ids of an array of symbol strings, or null when the field is absent.
    private static int[]? Symbols(string path, long line, JsonElement root, string field, Dictionary<string, int> ids)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, field, "expected an array of symbols");
        var count = value.GetArrayLength();
        if (count == 0)
            throw new DataFormatException(path, line, field, "empty: a sequence needs at least one symbol");
        if (count > MaxSymbols)
            throw new DataFormatException(path, line, field, $"{count} symbols; at most {MaxSymbols} are accepted");
        var result = new int[count];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !ids.TryGetValue(item.GetString()!, out var id))
                throw new DataFormatException(path, line, field,
                    $"symbol {i} ({item.GetRawText()}) is not one of the model's: {string.Join(' ', ids.Keys.Take(20))}{(ids.Count > 20 ? " …" : "")}");
            result[i++] = id;
        }
        return result;
    }
}
