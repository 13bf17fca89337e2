using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Models;

/// <summary>
/// The encoder–decoder's model file: format 4 of the <see cref="ModelFile"/> envelope (the same magic and checksum),
/// whose header holds the <see cref="EncoderDecoderShape"/>, the options, both symbol lists and the parameter
/// names and shapes. A build that reads formats 1 to 3 refuses it by its version; this one reads formats 1 to 3 as
/// <see cref="SequenceModel"/>s, unchanged, and format 4 only here.
/// </summary>
internal static class EncoderDecoderFile
{
    public const int FormatVersion = 4;

    private static ReadOnlySpan<byte> Magic => "RECURRNT"u8;

    internal sealed record Header(EncoderDecoderShape Shape, SequenceModelOptions Options, string[] SourceSymbols,
        string[] TargetSymbols, ModelFile.ParameterEntry[] Parameters);

    /// <summary>Whether the file at <paramref name="path"/> is a model file of format 4 (it is not checked further).</summary>
    public static bool IsEncoderDecoder(string path)
    {
        Span<byte> start = stackalloc byte[12];
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) < start.Length)
                return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return start[..8].SequenceEqual(Magic) && BitConverter.ToInt32(start[8..]) == FormatVersion;
    }

    public static void Save(EncoderDecoderModel model, string path) =>
        ChecksummedFile.Write(path, Magic, FormatVersion, Describe(model), model.Network.Parameters.Select(p => p.Value),
            ModelFile.Json);

    /// <summary>The header of <paramref name="model"/>'s file (a checkpoint's holds it too).</summary>
    public static Header Describe(EncoderDecoderModel model) => new(model.Network.Shape, model.Options,
        [.. model.SourceSymbols], [.. model.TargetSymbols],
        model.Network.Parameters.Select(p => new ModelFile.ParameterEntry(p.Name, p.Shape.ToArray())).ToArray());

    public static EncoderDecoderModel Load(string path)
    {
        if (!IsEncoderDecoder(path) && File.Exists(path))
        {
            // Read it as the envelope says, so a damaged file gets the envelope's own message; a sound one is a
            // per-sequence or per-step model, which this reader does not take.
            _ = ChecksummedFile.Read<ModelFile.Header>(path, Magic, ModelFile.PerSequenceFormat, ModelFile.FormatVersion, "model", ModelFile.Json);
            throw new InvalidDataException($"{path}: not an encoder–decoder model (model formats 1 to {ModelFile.FormatVersion} are " +
                "classifiers, taggers and language models; an encoder–decoder is format 4).");
        }
        var (header, arrays) = ChecksummedFile.Read<Header>(path, Magic, FormatVersion, "encoder–decoder model", ModelFile.Json);
        var model = Rebuild(path, header, arrays);
        arrays.EnsureEnd();
        return model;
    }

    /// <summary>The model a header describes, its weights read from <paramref name="arrays"/> (which may go on).</summary>
    public static EncoderDecoderModel Rebuild(string path, Header header, ChecksummedFile.ArrayReader arrays)
    {
        var network = new EncoderDecoderNetwork(header.Shape);
        var parameters = network.Parameters;
        if (parameters.Count != header.Parameters.Length)
            throw new InvalidDataException($"{path}: the file has {header.Parameters.Length} parameters; the model it describes has {parameters.Count}.");
        for (var i = 0; i < parameters.Count; i++)
        {
            var (p, entry) = (parameters[i], header.Parameters[i]);
            if (p.Name != entry.Name || !p.Shape.SequenceEqual(entry.Shape))
                throw new InvalidDataException(
                    $"{path}: parameter {i} is {entry.Name} [{string.Join(',', entry.Shape)}]; expected {p.Name} [{string.Join(',', p.Shape)}].");
            arrays.ReadInto(p.Value, p.Name);
        }
        return new EncoderDecoderModel(network, header.Options, header.SourceSymbols, header.TargetSymbols);
    }
}
