using System.Text.Json;
using System.Text.Json.Serialization;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Models;

/// <summary>
/// The model file: a <see cref="ChecksummedFile"/> whose header holds the network shape, the options, the
/// vocabulary, the labels and the parameter names and shapes, followed by the parameters.
/// </summary>
internal static class ModelFile
{
    public const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "RECURRNT"u8;

    internal static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    internal sealed record Header(NetworkShape Shape, SequenceModelOptions Options, string[]? Vocabulary,
        string[] Classes, bool Regression, ParameterEntry[] Parameters);

    internal sealed record ParameterEntry(string Name, int[] Shape);

    public static void Save(SequenceModel model, string path) =>
        ChecksummedFile.Write(path, Magic, FormatVersion, Describe(model), model.Parameters.Select(p => p.Value), Json);

    public static SequenceModel Load(string path)
    {
        var (header, arrays) = ChecksummedFile.Read<Header>(path, Magic, FormatVersion, "model", Json);
        var model = Rebuild(path, header, arrays);
        arrays.EnsureEnd();
        return model;
    }

    internal static Header Describe(SequenceModel model) =>
        new(model.Network.Shape, model.Options, model.Vocabulary?.Tokens.ToArray(), model.Labels.ClassNames.ToArray(),
            model.Labels.IsRegression, model.Parameters.Select(p => new ParameterEntry(p.Name, p.Shape.ToArray())).ToArray());

    /// <summary>Builds the model a header describes and reads its parameters.</summary>
    internal static SequenceModel Rebuild(string path, Header header, ChecksummedFile.ArrayReader arrays)
    {
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
            arrays.ReadInto(p.Value, p.Name);
        }
        var labels = header.Regression ? LabelSet.Regression() : LabelSet.Classes(header.Classes);
        var vocabulary = header.Vocabulary is null ? null : new Vocabulary(header.Vocabulary.Skip(2));
        return new SequenceModel(network, header.Options, vocabulary, labels);
    }
}
