using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer;

/// <summary>
/// The model file: "RECURRNT", a format version, a JSON header (shape, options, vocabulary, labels, parameter
/// names and shapes), the parameters as little-endian float32, and a SHA-256 of everything before it, so a
/// truncated or altered file is refused instead of loading wrong weights.
/// </summary>
internal static class ModelFile
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "RECURRNT"u8.ToArray();

    internal static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };

    private sealed record Header(
        NetworkShape Shape,
        SequenceClassifierOptions Options,
        string[]? Vocabulary,
        string[] Classes,
        bool Regression,
        ParameterEntry[] Parameters);

    private sealed record ParameterEntry(string Name, int[] Shape);

    public static void Save(SequenceClassifier model, string path)
    {
        var header = new Header(model.Network.Shape, model.Options, model.Vocabulary?.Tokens.ToArray(),
            model.Labels.ClassNames.ToArray(), model.Labels.IsRegression,
            model.Parameters.Select(p => new ParameterEntry(p.Name, p.Shape.ToArray())).ToArray());
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            var json = JsonSerializer.SerializeToUtf8Bytes(header, Json);
            writer.Write(json.Length);
            writer.Write(json);
            foreach (var p in model.Parameters)
            {
                foreach (var v in p.Value)
                    writer.Write(v);
            }
        }
        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        AtomicFile.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public static SequenceClassifier Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the model file ({e.Message}).", e);
        }
        if (bytes.Length < Magic.Length + 4 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a Recurrent model file (it does not start with RECURRNT).");
        var version = BitConverter.ToInt32(bytes, Magic.Length);
        if (version != FormatVersion)
            throw new InvalidDataException(
                $"{path}: model file format {version} is not supported; this build reads format {FormatVersion}.");
        if (bytes.Length < Magic.Length + 8 + 32)
            throw new InvalidDataException($"{path}: the model file is truncated.");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidDataException($"{path}: the model file is corrupt or truncated (checksum mismatch).");
        var position = Magic.Length + 4;
        var headerLength = BitConverter.ToInt32(bytes, position);
        position += 4;
        if (headerLength <= 0 || position + headerLength > body.Length)
            throw new InvalidDataException($"{path}: the model header is damaged.");
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(position, headerLength), Json)
                ?? throw new InvalidDataException($"{path}: the model header is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the model header is not valid ({e.Message}).", e);
        }
        position += headerLength;
        var network = new SequenceNetwork(header.Shape);
        var parameters = network.Parameters;
        if (parameters.Count != header.Parameters.Length)
            throw new InvalidDataException($"{path}: the file has {header.Parameters.Length} parameters; the model it describes has {parameters.Count}.");
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var entry = header.Parameters[i];
            if (p.Name != entry.Name || !p.Shape.SequenceEqual(entry.Shape))
                throw new InvalidDataException(
                    $"{path}: parameter {i} is {entry.Name} [{string.Join(',', entry.Shape)}]; expected {p.Name} [{string.Join(',', p.Shape)}].");
            var length = p.Length * sizeof(float);
            if (position + length > body.Length)
                throw new InvalidDataException($"{path}: the model file is truncated inside {p.Name}.");
            bytes.AsSpan(position, length).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.AsSpan()));
            position += length;
        }
        if (position != body.Length)
            throw new InvalidDataException($"{path}: {body.Length - position} unexpected bytes after the parameters.");
        var labels = header.Regression ? LabelSet.Regression() : LabelSet.Classes(header.Classes);
        var vocabulary = header.Vocabulary is null ? null : new Vocabulary(header.Vocabulary.Skip(2));
        return new SequenceClassifier(network, header.Options, vocabulary, labels);
    }
}
