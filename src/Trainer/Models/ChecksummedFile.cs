using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Recurrent.Trainer.Models;

/// <summary>
/// The envelope of model and checkpoint files: 8 magic bytes, a format version, a JSON header, float32 arrays
/// (little-endian), and a SHA-256 of all of it, written atomically. A reader gets either the intact content or an
/// <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
internal static class ChecksummedFile
{
    private const int HashLength = 32;

    public static void Write<THeader>(string path, ReadOnlySpan<byte> magic, int version, THeader header,
        IEnumerable<float[]> arrays, JsonSerializerOptions json)
    {
        using var buffer = new MemoryStream();
        buffer.Write(magic);
        buffer.Write(BitConverter.GetBytes(version));
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, json);
        buffer.Write(BitConverter.GetBytes(headerBytes.Length));
        buffer.Write(headerBytes);
        foreach (var array in arrays)
            buffer.Write(MemoryMarshal.AsBytes(array.AsSpan()));
        buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        AtomicFile.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads and checks a file; returns its header and a reader over the arrays that follow.</summary>
    public static (THeader Header, ArrayReader Arrays) Read<THeader>(string path, ReadOnlySpan<byte> magic, int version,
        string kind, JsonSerializerOptions json) => Read<THeader>(path, magic, version, version, kind, json);

    /// <summary>The same for a file in any format from <paramref name="oldest"/> to <paramref name="newest"/>.</summary>
    public static (THeader Header, ArrayReader Arrays) Read<THeader>(string path, ReadOnlySpan<byte> magic, int oldest,
        int newest, string kind, JsonSerializerOptions json)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the {kind} file ({e.Message}).", e);
        }
        var magicText = System.Text.Encoding.ASCII.GetString(magic);
        if (bytes.Length < magic.Length + 4 || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
            throw new InvalidDataException($"{path}: not a Recurrent {kind} file (it does not start with {magicText}).");
        var found = BitConverter.ToInt32(bytes, magic.Length);
        if (found < oldest || found > newest)
            throw new InvalidDataException(oldest == newest
                ? $"{path}: {kind} file format {found} is not supported; this build reads format {newest}."
                : $"{path}: {kind} file format {found} is not supported; this build reads formats {oldest} to {newest}.");
        if (bytes.Length < magic.Length + 8 + HashLength)
            throw new InvalidDataException($"{path}: the {kind} file is truncated.");
        var bodyLength = bytes.Length - HashLength;
        if (!SHA256.HashData(bytes.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(bytes.AsSpan(bodyLength)))
            throw new InvalidDataException($"{path}: the {kind} file is corrupt or truncated (checksum mismatch).");
        var position = magic.Length + 4;
        var headerLength = BitConverter.ToInt32(bytes, position);
        position += 4;
        if (headerLength <= 0 || position + headerLength > bodyLength)
            throw new InvalidDataException($"{path}: the {kind} header is damaged.");
        THeader header;
        try
        {
            header = JsonSerializer.Deserialize<THeader>(bytes.AsSpan(position, headerLength), json)
                ?? throw new InvalidDataException($"{path}: the {kind} header is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the {kind} header is not valid ({e.Message}).", e);
        }
        return (header, new ArrayReader(path, kind, bytes, position + headerLength, bodyLength));
    }

    /// <summary>Reads the float arrays after the header, in the order they were written.</summary>
    public sealed class ArrayReader(string path, string kind, byte[] bytes, int position, int end)
    {
        private int _position = position;

        public void ReadInto(float[] destination, string name)
        {
            var length = destination.Length * sizeof(float);
            if (_position + length > end)
                throw new InvalidDataException($"{path}: the {kind} file is truncated inside {name}.");
            bytes.AsSpan(_position, length).CopyTo(MemoryMarshal.AsBytes(destination.AsSpan()));
            _position += length;
        }

        public void EnsureEnd()
        {
            if (_position != end)
                throw new InvalidDataException($"{path}: {end - _position} unexpected bytes at the end of the {kind} file.");
        }
    }
}
