using System.Buffers.Binary;
using System.IO.Compression;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Trainer.Data.Idx;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000803 and three sizes for
/// unsigned-byte images [n, rows, cols]; magic 0x00000801 and one size for labels [n]) followed by the bytes.
/// Gzip-compressed files are recognised by their first two bytes, whatever the file name says. Only the items
/// asked for are read, so a small limit is fast even on the 60 000-image training file.
/// </summary>
internal static class IdxReader
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>Images as read: <paramref name="Pixels"/> holds <paramref name="Count"/> × rows × cols bytes.</summary>
    public sealed record Images(int DeclaredCount, int Count, int Rows, int Columns, byte[] Pixels);

    /// <summary>Labels as read: the first <c>Values.Length</c> of <paramref name="DeclaredCount"/>.</summary>
    public sealed record Labels(int DeclaredCount, byte[] Values);

    /// <summary>Reads the first <paramref name="limit"/> images (all when null).</summary>
    public static Images ReadImages(string path, int? limit)
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path, ImagesMagic, 3);
        var count = Size(header, 0, path, "count");
        var rows = Size(header, 4, path, "rows");
        var columns = Size(header, 8, path, "columns");
        if (rows == 0 || columns == 0)
            throw new DataFormatException(path, null, "header", $"images of {rows}×{columns} pixels have no pixels");
        var wanted = Math.Min(count, limit ?? count);
        var imageSize = (long)rows * columns;
        if (wanted * imageSize > Array.MaxLength)
            throw new DataFormatException(path, null, "header",
                $"{wanted} images of {rows}×{columns} pixels are more than one array can hold; is the header corrupt?");
        var pixels = ReadUpTo(stream, (int)(wanted * imageSize), path);
        var read = pixels.Length;
        if (read < wanted * imageSize)
            throw new DataFormatException(path, read / imageSize + 1, "pixels",
                $"truncated: the header announces {count} images of {rows}×{columns} pixels but the file ends " +
                $"after {read / imageSize} complete images");
        if (wanted == count)
            CheckNothingAfter(stream, path, $"{count} images");
        return new Images(count, wanted, rows, columns, pixels);
    }

    /// <summary>Reads the first <paramref name="limit"/> labels (all when null).</summary>
    public static Labels ReadLabels(string path, int? limit)
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path, LabelsMagic, 1);
        var count = Size(header, 0, path, "count");
        var wanted = Math.Min(count, limit ?? count);
        var values = ReadUpTo(stream, wanted, path);
        var read = values.Length;
        if (read < wanted)
            throw new DataFormatException(path, read + 1, "labels",
                $"truncated: the header announces {count} labels but the file ends after {read}");
        if (wanted == count)
            CheckNothingAfter(stream, path, $"{count} labels");
        return new Labels(count, values);
    }

    private static Stream Open(string path)
    {
        var file = DataFile.OpenRead(path);
        Span<byte> start = stackalloc byte[2];
        var n = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return n == 2 && start[0] == 0x1F && start[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    // Checks the magic number before the sizes, so a file of the wrong kind is named as such even when it is
    // too short for the expected header. Returns the sizes' bytes.
    private static byte[] ReadHeader(Stream stream, string path, int expectedMagic, int dimensions)
    {
        var header = new byte[4 + 4 * dimensions];
        var read = ReadAll(stream, header.AsSpan(0, 4), path);
        if (read == 4)
        {
            var magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != expectedMagic)
                throw new DataFormatException(path, null, "magic",
                    $"wrong magic number 0x{magic:X8} ({Describe(magic)}); expected 0x{expectedMagic:X8} " +
                    $"({Describe(expectedMagic)})");
            read += ReadAll(stream, header.AsSpan(4), path);
        }
        if (read < header.Length)
            throw new DataFormatException(path, null, "header",
                $"truncated: the header of {Describe(expectedMagic)} has {header.Length} bytes but the file has only {read}");
        return header[4..];
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "IDX unsigned-byte images",
        LabelsMagic => "IDX unsigned-byte labels",
        _ when (magic & unchecked((int)0xFFFF0000)) == 0 => $"IDX type 0x{(magic >> 8) & 0xFF:X2} with {magic & 0xFF} dimensions",
        _ => "not an IDX file; a gzip file that failed to open or some other format",
    };

    private static int Size(byte[] header, int offset, string path, string name)
    {
        var size = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(offset));
        return size >= 0 ? size : throw new DataFormatException(path, null, name, $"negative size {size} in the header");
    }

    private static int ReadAll(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, null, null, $"the gzip data is corrupt: {e.Message}", e);
        }
    }

    // Grows the buffer as bytes arrive, so a corrupt header announcing billions of items cannot make us
    // allocate for them before the file has proved it holds them.
    private static byte[] ReadUpTo(Stream stream, int wanted, string path)
    {
        var buffer = new byte[Math.Min(wanted, 1 << 20)];
        var filled = 0;
        while (true)
        {
            filled += ReadAll(stream, buffer.AsSpan(filled), path);
            if (filled < buffer.Length || filled == wanted)
                return filled == buffer.Length ? buffer : buffer[..filled];
            Array.Resize(ref buffer, (int)Math.Min(wanted, 2L * buffer.Length));
        }
    }

    private static void CheckNothingAfter(Stream stream, string path, string what)
    {
        Span<byte> probe = stackalloc byte[1];
        if (ReadAll(stream, probe, path) > 0)
            throw new DataFormatException(path, null, null,
                $"the file goes on after the {what} its header announces; it is not one IDX file");
    }
}
