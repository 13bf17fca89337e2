using Google.Protobuf;
using Fields = Recurrent.Trainer.Onnx.OnnxFieldNumbers;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Writes an <see cref="OnnxModel"/> as an ONNX file (a binary <c>ModelProto</c>) that ONNX Runtime and
/// the onnx checker load. The encoding is done field by field, without generated protobuf code.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>Writes the model to a stream; the stream is left open.</summary>
    public static void Write(Stream stream, OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        using var output = new CodedOutputStream(stream, leaveOpen: true);
        WriteModel(output, model);
    }

    /// <summary>The model's bytes.</summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ProtobufFields.Encode(output => WriteModel(output, model));
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

    private static void WriteModel(CodedOutputStream output, OnnxModel model)
    {
        output.WriteInt64Field(Fields.Model.IrVersion, model.IrVersion);
        output.WriteStringField(Fields.Model.ProducerName, model.ProducerName);
        if (model.ProducerVersion is not null)
            output.WriteStringField(Fields.Model.ProducerVersion, model.ProducerVersion);
        if (model.ModelVersion is long version)
            output.WriteInt64Field(Fields.Model.ModelVersion, version);
        if (model.DocString is not null)
            output.WriteStringField(Fields.Model.DocString, model.DocString);
        output.WriteMessageField(Fields.Model.Graph, graph => OnnxGraphEncoder.Write(graph, model.Graph));
        output.WriteMessageField(Fields.Model.OpsetImport, opset =>
        {
            opset.WriteStringField(Fields.OperatorSetId.Domain, "");
            opset.WriteInt64Field(Fields.OperatorSetId.Version, model.OpsetVersion);
        });
        foreach (var (key, value) in model.Metadata)
        {
            output.WriteMessageField(Fields.Model.MetadataProps, entry =>
            {
                entry.WriteStringField(Fields.StringStringEntry.Key, key);
                entry.WriteStringField(Fields.StringStringEntry.Value, value);
            });
        }
    }
}
