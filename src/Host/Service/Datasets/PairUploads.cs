using System.Text.Json;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Host.Service.Datasets;

/// <summary>
/// An uploaded JSONL file of pairs for an encoder–decoder, <c>{"source": [...], "target": [...]}</c> a line: told
/// from a sequence dataset by its first record's <c>source</c>, read whole at upload (every problem named by line and
/// field), and recorded with input kind <c>pairs</c>, its source symbols' count as the feature count and its target
/// symbols as the classes.
/// </summary>
internal static class PairUploads
{
    public const string InputKind = "pairs";

    /// <summary>Whether the first non-blank line of a JSONL file is an object with a <c>source</c>.</summary>
    public static bool IsPairs(string path, string format)
    {
        if (format != "jsonl")
            return false;
        using var reader = File.OpenText(path);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("source", out _);
            }
            catch (JsonException)
            {
                return false;
            }
        }
        return false;
    }

    public static DatasetRecord Describe(string path, string name, string format, long size, int maxLength)
    {
        PairDataset pairs;
        try
        {
            var (source, target) = PairJsonlSplits.Symbols(path);
            pairs = PairJsonlReader.Read(path, source, target).Data;
            if (pairs.Count < 3)
                throw new DataFormatException(path, null, null, $"{pairs.Count} pair(s); at least 3 are needed, for training, validation and test");
        }
        catch (DataFormatException e)
        {
            var where = name + (e.Line is long line ? $", line {line}" : "") + (e.Field is { } f ? $", field '{f}'" : "");
            throw new BadRequestException(e.Field ?? "body", $"{where}: {e.Problem}");
        }
        var longest = pairs.Pairs.Max(p => Math.Max(p.Source.Length, p.Target.Length));
        if (longest > maxLength)
            throw new BadRequestException("body",
                $"{name}: a sequence has {longest} symbols, more than the service's limit of {maxLength} (Recurrent:MaxSequenceLength).");
        return new DatasetRecord(0, name, format, size, pairs.Count, InputKind, pairs.SourceSymbols.Count, pairs.TargetSymbols,
            longest, default);
    }
}
