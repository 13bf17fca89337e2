using System.Buffers;
using System.Text;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Datasets;

/// <summary>
/// Uploaded text must be UTF-8: a file in another encoding (Latin-1, Windows-1252) would otherwise be read with
/// replacement characters and train on mangled tokens ("café" as "caf"). Checked as the file streams by, a buffer
/// at a time; the first invalid byte is named by line and byte. The same pass bounds each line's length, before any
/// line is read whole: the readers hold a line (a record) at a time, at many times its size.
/// </summary>
internal static class Utf8Text
{
    /// <summary>
    /// Throws a 400 naming the line and byte of the first byte of <paramref name="path"/> that is not UTF-8, or a 413
    /// naming the first line longer than <paramref name="maxLineBytes"/> bytes (its line break not counted).
    /// </summary>
    public static void Check(string path, string name, long maxLineBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent((1 << 16) + 4);
        try
        {
            long line = 1, lineStart = 0, offset = 0;
            var kept = 0;
            while (true)
            {
                var read = file.Read(buffer, kept, 1 << 16);
                var span = buffer.AsSpan(0, kept + read);
                var i = 0;
                while (i < span.Length)
                {
                    if (span[i] < 0x80)
                    {
                        if (span[i] == (byte)'\n')
                        {
                            CheckLineLength(name, line, offset + i - lineStart, maxLineBytes);
                            line++;
                            lineStart = offset + i + 1;
                        }
                        i++;
                        continue;
                    }
                    var status = Rune.DecodeFromUtf8(span[i..], out _, out var consumed);
                    if (status == OperationStatus.NeedMoreData && read > 0)
                        break; // the rest of the sequence is in the next buffer
                    if (status != OperationStatus.Done)
                        throw new BadRequestException("body",
                            $"{name}, line {line}, byte {offset + i - lineStart + 1}: not valid UTF-8 (byte 0x{span[i]:X2} at offset " +
                            $"{offset + i} of the file); save the file as UTF-8.");
                    i += consumed;
                }
                offset += i;
                CheckLineLength(name, line, offset - lineStart, maxLineBytes);
                kept = span.Length - i;
                span[i..].CopyTo(buffer);
                if (read == 0)
                    return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CheckLineLength(string name, long line, long bytes, long limit)
    {
        if (bytes > limit)
            throw new PayloadTooLargeException("body",
                $"{name}, line {line}: the line is longer than the service's limit of {limit} bytes per line (Recurrent:Uploads:MaxLineBytes); " +
                "a record is one line, held and parsed whole while it is checked: split the data into shorter records or raise the limit.");
    }
}
