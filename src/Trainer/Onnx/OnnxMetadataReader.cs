using Google.Protobuf;
using Onnx;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Reads the metadata_props of an ONNX file through OnnxSharp's <c>ModelProto</c> parser, so a consumer can
/// label predictions. The whole model is parsed; our models are small enough that skipping the graph would
/// save nothing worth its own wire-format code.
/// </summary>
internal static class OnnxMetadataReader
{
    /// <summary>The key/value metadata of the model at <paramref name="path"/>; a repeated key keeps its last value.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in model.MetadataProps)
                metadata[entry.Key] = entry.Value;
            return metadata;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{path}: cannot read the ONNX model ({e.Message}).", e);
        }
    }
}
