using Google.Protobuf;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Tag-plus-value helpers over <see cref="CodedOutputStream"/>, so the encoders read as a list of fields.
/// </summary>
internal static class ProtobufFields
{
    public static void WriteInt64Field(this CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    public static void WriteFloatField(this CodedOutputStream output, int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
    }

    public static void WriteStringField(this CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public static void WriteBytesField(this CodedOutputStream output, int field, ReadOnlyMemory<byte> value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    /// <summary>
    /// Writes a nested message. Its length must precede it, so the body is first encoded into its own buffer;
    /// the models are small enough that the extra copy per nesting level does not matter.
    /// </summary>
    public static void WriteMessageField(this CodedOutputStream output, int field, Action<CodedOutputStream> writeBody)
    {
        output.WriteBytesField(field, Encode(writeBody));
    }

    /// <summary>Encodes a message body on its own.</summary>
    public static byte[] Encode(Action<CodedOutputStream> writeBody)
    {
        using var buffer = new MemoryStream();
        using (var body = new CodedOutputStream(buffer, leaveOpen: true))
        {
            writeBody(body);
        }
        return buffer.ToArray();
    }
}
