namespace Recurrent.Trainer.Data;

/// <summary>
/// Input data that cannot be used as it is: a malformed or unreadable file, a value that breaks the dataset's
/// rules, or a dataset spec that names nothing known. The message names the file (or spec), the line or record
/// and the field, so the user can go straight to the fault.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception; the message is composed from the parts.</summary>
    /// <param name="file">The file path, or the spec text for built-in datasets.</param>
    /// <param name="line">The 1-based line of a text file or record of a binary file; null when not at one place.</param>
    /// <param name="field">The field, column or part at fault; null when not one field.</param>
    /// <param name="problem">What is wrong, in words for the user.</param>
    /// <param name="innerException">The underlying error (a parser's or the file system's), if any.</param>
    public DataFormatException(string file, long? line, string? field, string problem,
        Exception? innerException = null)
        : base(Compose(file, line, field, problem), innerException)
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file path, or the spec text for built-in datasets.</summary>
    public string File { get; }

    /// <summary>The 1-based line of a text file or record of a binary file; null when not at one place.</summary>
    public long? Line { get; }

    /// <summary>The field, column or part at fault (for example <c>label</c> or <c>steps[3]</c>); null when none.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Compose(string file, long? line, string? field, string problem)
    {
        var where = file;
        if (line is not null)
            where += $", line {line}";
        if (field is not null)
            where += $", field '{field}'";
        return $"{where}: {problem}";
    }
}
