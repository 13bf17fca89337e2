namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// A record longer than the bound its reader was given (<see cref="DatasetOptions.MaxRecordBytes"/>): refused as it is
/// read, before it is held whole, naming the line where it started and the limit. Its own type, so a caller that set
/// the bound can answer with its own words (the service: a 413 naming its setting).
/// </summary>
internal sealed class RecordTooLongException(string path, long line, long limit, string record = "record",
    string note = RecordTooLongException.CsvNote)
    : Exception($"{path}, line {line}: the {record} starting on this line is longer than the limit of {limit} bytes per record ({note})")
{
    /// <summary>What makes a CSV record longer than its lines.</summary>
    public const string CsvNote = "a quoted field spanning lines counts whole";

    /// <summary>What a record is in the file's format: a CSV "record", a CoNLL "sentence".</summary>
    public string Record { get; } = record;

    /// <summary>What a record's bytes are in the file's format (which lines count together).</summary>
    public string Note { get; } = note;

    /// <summary>The file read.</summary>
    public string Path { get; } = path;

    /// <summary>The 1-based line where the record started.</summary>
    public long Line { get; } = line;

    /// <summary>The bound, in UTF-8 bytes.</summary>
    public long Limit { get; } = limit;
}
