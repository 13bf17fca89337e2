using Google.Protobuf;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Writes an <see cref="OnnxModel"/> as an ONNX file (a binary <c>ModelProto</c>) that ONNX Runtime and the onnx
/// checker load. The encoding is OnnxSharp's generated protobuf code; <see cref="OnnxProtoMapping"/> maps our
/// graph model to it. The same model always gives the same bytes: every field is repeated or scalar (no
/// protobuf maps, whose order is unspecified) and is written in our order.
/// </summary>
internal static class OnnxModelWriter
{
    /// <summary>Writes the model to a stream; the stream is left open.</summary>
    public static void Write(Stream stream, OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        OnnxProtoMapping.ToProto(model).WriteTo(stream);
    }

    /// <summary>The model's bytes.</summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return OnnxProtoMapping.ToProto(model).ToByteArray();
    }

    /// <summary>
    /// Writes the model to a file. It is written beside the target and then moved over it, so a reader never
    /// sees half a model.
    /// </summary>
    public static void WriteFile(string path, OnnxModel model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var temporary = path + ".tmp";
        try
        {
            using (var file = File.Create(temporary))
            {
                Write(file, model);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
