using System.Text.Json;
using System.Text.Json.Serialization;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Models;

/// <summary>
/// The model file: a <see cref="ChecksummedFile"/> whose header holds the network shape, the options, the
/// vocabulary, the labels and the parameter names and shapes, followed by the parameters.
/// </summary>
/// <remarks>
/// Format 1 is every per-sequence model, written byte for byte as before per-step heads existed. Format 2 adds
/// what only a per-step model has (<see cref="NetworkShape.PerStep"/> and the token unit), so a build that reads
/// only format 1 refuses such a file by its version instead of misreading it as a per-sequence model. Format 3 is a
/// model with skip gates (<see cref="NetworkShape.SkipUpdates"/>: W_p and b_p per direction, which an older build
/// would not know it must run). All three load.
/// </remarks>
internal static class ModelFile
{
    /// <summary>The newest format this build writes and reads.</summary>
    public const int FormatVersion = 3;

    /// <summary>The format of per-step and character models without skip gates, unchanged.</summary>
    public const int PerStepFormat = 2;

    /// <summary>The format of per-sequence models, unchanged.</summary>
    public const int PerSequenceFormat = 1;

    private static ReadOnlySpan<byte> Magic => "RECURRNT"u8;

    internal static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    internal sealed record Header(NetworkShape Shape, SequenceModelOptions Options, string[]? Vocabulary,
        string[] Classes, bool Regression, ParameterEntry[] Parameters)
    {
        /// <summary>What a token stands for; left out for words (format 2 only).</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public TokenUnit TokenUnit { get; init; }
    }

    internal sealed record ParameterEntry(string Name, int[] Shape);

    /// <summary>The format a model is written in: the oldest that describes it (1, 2 for per-step heads, 3 for skip gates).</summary>
    public static int VersionOf(SequenceModel model) =>
        model.Network.Shape.SkipUpdates ? FormatVersion
        : model.PerStep || model.TokenUnit != TokenUnit.Word ? PerStepFormat
        : PerSequenceFormat;

    public static void Save(SequenceModel model, string path) =>
        ChecksummedFile.Write(path, Magic, VersionOf(model), Describe(model), model.Parameters.Select(p => p.Value), Json);

    public static SequenceModel Load(string path)
    {
        if (EncoderDecoderFile.IsEncoderDecoder(path))
            throw new InvalidDataException($"{path}: an encoder–decoder model (format {EncoderDecoderFile.FormatVersion}), " +
                "not a classifier, tagger or language model: it decodes sequences, it does not label them.");
        var (header, arrays) = ChecksummedFile.Read<Header>(path, Magic, PerSequenceFormat, FormatVersion, "model", Json);
        var model = Rebuild(path, header, arrays);
        arrays.EnsureEnd();
        return model;
    }

    internal static Header Describe(SequenceModel model) =>
        new(model.Network.Shape, model.Options, model.Vocabulary?.Tokens.ToArray(), model.Labels.ClassNames.ToArray(),
            model.Labels.IsRegression, model.Parameters.Select(p => new ParameterEntry(p.Name, p.Shape.ToArray())).ToArray())
        {
            TokenUnit = model.TokenUnit,
        };

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
        return new SequenceModel(network, header.Options, vocabulary, labels) { TokenUnit = header.TokenUnit };
    }
}
