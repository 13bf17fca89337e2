using System.Buffers.Binary;
using System.IO.Compression;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>Builds small IDX files byte by byte, so each test states exactly what the reader faces.</summary>
internal static class IdxFiles
{
    public static byte[] Images(int count, int rows, int columns, int? magic = null, int? bytesOfPixels = null)
    {
        var pixels = bytesOfPixels ?? count * rows * columns;
        var bytes = new byte[16 + pixels];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic ?? 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (var i = 0; i < pixels; i++)
            bytes[16 + i] = (byte)(i % 256);
        return bytes;
    }

    public static byte[] Labels(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(bytes);
        return output.ToArray();
    }
}
