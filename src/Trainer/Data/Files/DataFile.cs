namespace Recurrent.Trainer.Data.Files;

/// <summary>Opens data files so that a missing or unreadable file surfaces as a <see cref="DataFormatException"/>.</summary>
internal static class DataFile
{
    /// <summary>Opens <paramref name="path"/> for sequential reading.</summary>
    public static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
                FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
                                       or NotSupportedException)
        {
            throw new DataFormatException(path, null, null, $"cannot read the file: {e.Message}", e);
        }
    }

    /// <summary>Opens a UTF-8 text file (a byte-order mark is honoured and skipped).</summary>
    public static StreamReader OpenText(string path) =>
        new(OpenRead(path), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
}
