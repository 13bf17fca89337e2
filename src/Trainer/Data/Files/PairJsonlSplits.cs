using System.Text.Json;
using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// A JSON Lines file of pairs to train on (<see cref="PairJsonlReader"/>'s format, every line with its target): the
/// symbols are those the file uses, in ordinal order, and the pairs are split by the seed into training, validation
/// and test (a tenth each, at least one).
/// </summary>
internal static class PairJsonlSplits
{
    public static (PairDataset Train, PairDataset Validation, PairDataset Test) Load(string path, int seed)
    {
        var (source, target) = Symbols(path);
        var all = PairJsonlReader.Read(path, source, target).Data;
        if (all.Count < 3)
            throw new DataFormatException(path, null, null, $"{all.Count} pair(s); at least 3 are needed, for training, validation and test");
        var order = Enumerable.Range(0, all.Count).ToArray();
        new DeterministicRandom(DeterministicRandom.DeriveSeed((ulong)seed, 11)).Shuffle(order.AsSpan());
        var held = Math.Max(1, all.Count / 10);
        PairDataset Split(string part, IEnumerable<int> indices) =>
            new($"{path} ({part})", source, target, indices.Select(i => all.Pairs[i]).ToArray());
        return (Split("train", order.Skip(2 * held)), Split("validation", order.Take(held)), Split("test", order.Skip(held).Take(held)));
    }

    /// <summary>
    /// The source and target symbols the file uses, each list in ordinal order. A line that does not read is left to
    /// <see cref="PairJsonlReader"/>, which names it.
    /// </summary>
    public static (string[] Source, string[] Target) Symbols(string path)
    {
        var source = new HashSet<string>(StringComparer.Ordinal);
        var target = new HashSet<string>(StringComparer.Ordinal);
        using var reader = DataFile.OpenText(path);
        while (reader.ReadLine() is { } text)
        {
            if (string.IsNullOrWhiteSpace(text))
                continue;
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    continue;
                Collect(document.RootElement, "source", source);
                Collect(document.RootElement, "target", target);
            }
            catch (JsonException)
            {
            }
        }
        return ([.. source.Order(StringComparer.Ordinal)], [.. target.Order(StringComparer.Ordinal)]);
    }

    private static void Collect(JsonElement root, string field, HashSet<string> symbols)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Array)
            return;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
                symbols.Add(item.GetString()!);
        }
    }
}
