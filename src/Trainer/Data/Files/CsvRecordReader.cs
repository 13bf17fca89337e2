using System.Text;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Splits RFC 4180 text into records: fields separated by commas, records by CRLF or LF (or a lone CR);
/// a field in double quotes may hold commas, line breaks and doubled quotes (<c>""</c> for one quote).
/// Stricter than some readers on purpose: a quote inside an unquoted field, or text after a closing quote, is
/// an error rather than a guess. Lines with nothing on them between records are skipped. Physical line numbers
/// are tracked so errors point at the line an editor shows. With <c>maxRecordBytes</c>, a record longer than that many
/// UTF-8 bytes (its fields, commas, quotes and the line breaks inside quoted fields; not the line break that ends it) is
/// refused as it is read, naming the line where it started: a quoted field may span any number of lines, so a bound
/// on line length alone does not bound what the reader holds.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader, string path, long? maxRecordBytes = null)
{
    private long _line = 1;
    private long _recordBytes;

    /// <summary>The physical line where the last record returned by <see cref="ReadRecord"/> started.</summary>
    public long RecordLine { get; private set; }

    /// <summary>The next record's fields, or null at the end of the text.</summary>
    public List<string>? ReadRecord()
    {
        while (reader.Peek() is '\r' or '\n')
            ReadLineBreak();
        if (reader.Peek() < 0)
            return null;
        RecordLine = _line;
        _recordBytes = 0;
        var fields = new List<string>();
        var field = new StringBuilder();
        while (true)
        {
            field.Clear();
            var next = reader.Peek() == '"' ? ReadQuoted(field, fields.Count + 1) : ReadUnquoted(field, fields.Count + 1);
            fields.Add(field.ToString());
            if (next == ',')
                continue;
            if (next is '\r' or '\n')
                ReadLineBreak();
            return fields;
        }
    }

    // Returns the character that ended the field (',', '\r', '\n' or -1), leaving line breaks unread.
    private int ReadUnquoted(StringBuilder field, int column)
    {
        while (true)
        {
            var c = reader.Peek();
            if (c is -1 or '\r' or '\n')
                return c;
            Take();
            if (c == ',')
                return c;
            if (c == '"')
                throw new DataFormatException(path, _line, $"column {column}",
                    "a double quote inside an unquoted field; quote the whole field and double the inner quote (\"\")");
            field.Append((char)c);
        }
    }

    private int ReadQuoted(StringBuilder field, int column)
    {
        var openedOn = _line;
        Take(); // the opening quote
        while (true)
        {
            var c = Take();
            switch (c)
            {
                case -1:
                    throw new DataFormatException(path, openedOn, $"column {column}",
                        "a quoted field is never closed (the file ends inside the quotes)");
                case '"' when reader.Peek() == '"':
                    Take();
                    field.Append('"');
                    break;
                case '"':
                    var after = reader.Peek();
                    if (after is -1 or '\r' or '\n')
                        return after;
                    Take();
                    if (after == ',')
                        return after;
                    throw new DataFormatException(path, _line, $"column {column}",
                        $"unexpected '{(char)after}' after a closing quote; expected a comma or the end of the line");
                case '\r':
                    field.Append('\r');
                    if (reader.Peek() == '\n')
                        field.Append((char)Take());
                    _line++;
                    break;
                case '\n':
                    field.Append('\n');
                    _line++;
                    break;
                default:
                    field.Append((char)c);
                    break;
            }
        }
    }

    private void ReadLineBreak()
    {
        if (reader.Read() == '\r' && reader.Peek() == '\n')
            reader.Read();
        _line++;
    }

    // Reads one character of the record, counting its UTF-8 bytes (a surrogate pair's two halves make its four).
    private int Take()
    {
        var c = reader.Read();
        if (c < 0 || maxRecordBytes is not long limit)
            return c;
        _recordBytes += c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate((char)c) ? 2 : 3;
        if (_recordBytes > limit)
            throw new RecordTooLongException(path, RecordLine, limit);
        return c;
    }
}
