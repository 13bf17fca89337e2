namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Reads token-per-line tagging files in the CoNLL-2003 style (<c>.conll</c>): one token per line, its columns
/// separated by spaces or tabs, the token in the first column and its label in the last (columns between, such as
/// part-of-speech and chunk tags, are ignored); a blank line ends a sentence, and a line whose token is
/// <c>-DOCSTART-</c> is a document break, skipped. Every line of a file has the same number of columns. Each
/// sentence is one sequence with a label per step. Tokens are taken as written (no lowercasing).
/// </summary>
internal static class ConllReader
{
    /// <summary>The token of CoNLL-2003's document separators.</summary>
    public const string DocumentStart = "-DOCSTART-";

    /// <summary>What a sentence's bytes are, for <see cref="RecordTooLongException"/>.</summary>
    public const string SentenceNote = "a sentence's token lines count together, up to the blank line that ends it";

    /// <summary>Reads at most <paramref name="limit"/> sentences (all when null).</summary>
    /// <remarks>
    /// With <paramref name="labelsOptional"/> lines may hold only the token (data to predict). With
    /// <paramref name="maxRecordBytes"/> a sentence longer than that (its token lines and the breaks between them, in
    /// UTF-8 bytes) is a <see cref="RecordTooLongException"/> naming the line where it started: no line need be long
    /// for a sentence to be, so a bound on lines bounds nothing.
    /// </remarks>
    public static RawFile Read(string path, int? limit = null, bool labelsOptional = false, CancellationToken cancellation = default,
        long? maxRecordBytes = null) =>
        new(path, InputKind.Tokens, 0, Stream(path, limit, labelsOptional, cancellation, maxRecordBytes).ToList()) { PerStep = true };

    /// <summary>The sentences one at a time (the same checks as <see cref="Read"/>): a sentence in memory, never the file.</summary>
    public static IEnumerable<RawSequence> Stream(string path, int? limit = null, bool labelsOptional = false,
        CancellationToken cancellation = default, long? maxRecordBytes = null)
    {
        using var reader = DataFile.OpenText(path);
        var tokens = new List<string>();
        var labels = new List<RawLabel>();
        var lines = new List<long>();
        var columns = 0;
        var count = 0;
        long columnsLine = 0, line = 0, sentenceBytes = 0;
        while ((limit is null || count < limit) && reader.ReadLine() is { } text)
        {
            cancellation.ThrowIfCancellationRequested();
            line++;
            var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0] == DocumentStart)
            {
                sentenceBytes = 0;
                if (Sentence(tokens, labels, lines) is { } sentence)
                {
                    count++;
                    yield return sentence;
                }
                continue;
            }
            // Counted before the line is kept: a sentence is refused as it grows, never held whole.
            sentenceBytes += System.Text.Encoding.UTF8.GetByteCount(text) + (tokens.Count > 0 ? 1 : 0);
            if (sentenceBytes > maxRecordBytes)
                throw new RecordTooLongException(path, lines.Count > 0 ? lines[0] : line, maxRecordBytes.Value, "sentence", SentenceNote);
            if (fields.Length == 1 && !labelsOptional)
                throw new DataFormatException(path, line, "label",
                    $"the token '{fields[0]}' has no label; a line is TOKEN ... LABEL, separated by spaces or tabs");
            if (columns == 0)
            {
                columns = fields.Length;
                columnsLine = line;
            }
            else if (fields.Length != columns && !(labelsOptional && fields.Length == 1))
            {
                throw new DataFormatException(path, line, null,
                    $"the line has {fields.Length} columns but line {columnsLine} has {columns}; every line of a file " +
                    "has the same columns (a token with a space in it would split into two)");
            }
            tokens.Add(fields[0]);
            labels.Add(fields.Length == 1 ? RawLabel.Missing : RawLabel.FromText(fields[^1]));
            lines.Add(line);
        }
        if ((limit is null || count < limit) && Sentence(tokens, labels, lines) is { } last)
        {
            count++;
            yield return last;
        }
        if (count == 0)
            throw new DataFormatException(path, null, null, "the file holds no sentences (token lines)");
    }

    // The sentence gathered so far (null when there is none), and the lists emptied for the next.
    private static RawSequence? Sentence(List<string> tokens, List<RawLabel> labels, List<long> lines)
    {
        if (tokens.Count == 0)
            return null;
        var sentence = new RawSequence(tokens.ToArray(), null, 0, RawLabel.Missing, lines[0])
        {
            StepLabels = labels.ToArray(),
            StepLines = lines.ToArray(),
        };
        tokens.Clear();
        labels.Clear();
        lines.Clear();
        return sentence;
    }
}
