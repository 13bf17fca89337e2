namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Reads text-classification CSV files: a header row naming a <c>label</c> and a <c>text</c> column (in any
/// order, names matched case-insensitively after trimming), then one record per sequence. Other columns are
/// ignored, so files with ids or metadata load as they are; every record must still have as many fields as the
/// header. The text is split into tokens by <see cref="TextTokenizer"/>. Labels are trimmed; a label that reads
/// as a number (invariant culture, such as 1, 0.5 or 1e3) counts as a number for <see cref="LabelMode"/>, so
/// "1" and "1.0" are the same class and a column of fractional numbers is a regression target.
/// </summary>
internal static class CsvReader
{
    /// <summary>Reads at most <paramref name="limit"/> sequences (all when null).</summary>
    /// <remarks>
    /// With <paramref name="labelsOptional"/> the label column may be absent or a label empty (data to predict). With
    /// <paramref name="maxRecordBytes"/> a longer record is a <see cref="RecordTooLongException"/>.
    /// </remarks>
    public static RawFile Read(string path, int? limit = null, bool labelsOptional = false, CancellationToken cancellation = default,
        long? maxRecordBytes = null) =>
        new(path, InputKind.Tokens, 0, Stream(path, limit, labelsOptional, cancellation, maxRecordBytes).ToList());

    /// <summary>The sequences one record at a time (the same checks as <see cref="Read"/>), never the whole file.</summary>
    public static IEnumerable<RawSequence> Stream(string path, int? limit = null, bool labelsOptional = false,
        CancellationToken cancellation = default, long? maxRecordBytes = null)
    {
        using var text = DataFile.OpenText(path);
        var records = new CsvRecordReader(text, path, maxRecordBytes);
        var header = records.ReadRecord()
            ?? throw new DataFormatException(path, 1, "header", "the file is empty; expected a header row \"label,text\"");
        var labelColumn = labelsOptional && !header.Any(h => string.Equals(h.Trim(), "label", StringComparison.OrdinalIgnoreCase))
            ? -1
            : FindColumn(header, "label", path, records.RecordLine);
        var textColumn = FindColumn(header, "text", path, records.RecordLine);
        var count = 0;
        while ((limit is null || count < limit) && records.ReadRecord() is { } fields)
        {
            cancellation.ThrowIfCancellationRequested();
            var line = records.RecordLine;
            if (fields.Count != header.Count)
                throw new DataFormatException(path, line, null,
                    $"the record has {fields.Count} fields but the header has {header.Count}");
            var label = labelColumn < 0 ? "" : fields[labelColumn].Trim();
            if (label.Length == 0 && !labelsOptional)
                throw new DataFormatException(path, line, "label", "missing label (the field is empty)");
            var tokens = TextTokenizer.Tokenize(fields[textColumn]);
            if (tokens.Count == 0)
                throw new DataFormatException(path, line, "text",
                    "empty sequence: the text has no letters or digits to make tokens from");
            count++;
            yield return new RawSequence(tokens.ToArray(), null, 0, label.Length == 0 ? RawLabel.Missing : RawLabel.FromText(label), line);
        }
        if (count == 0)
            throw new DataFormatException(path, null, null, "the file has a header but no records");
    }

    private static int FindColumn(List<string> header, string name, string path, long line)
    {
        var found = -1;
        for (var i = 0; i < header.Count; i++)
        {
            if (!string.Equals(header[i].Trim(), name, StringComparison.OrdinalIgnoreCase))
                continue;
            if (found >= 0)
                throw new DataFormatException(path, line, "header", $"the column \"{name}\" appears twice");
            found = i;
        }
        return found >= 0
            ? found
            : throw new DataFormatException(path, line, "header",
                $"no \"{name}\" column; the header must name a \"label\" and a \"text\" column");
    }
}
