using Google.Protobuf;

namespace Recurrent.Trainer.Onnx;

/// <summary>Reads the metadata_props of an ONNX file, skipping the graph, so a consumer can label predictions.</summary>
public static class OnnxMetadataReader
{
    private const int MetadataProps = 14;
    private const int Key = 1;
    private const int Value = 2;

    /// <summary>The key/value metadata of the model at <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var input = new CodedInputStream(stream);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == MetadataProps
                    && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var (key, value) = ReadEntry(input.ReadBytes());
                    metadata[key] = value;
                }
                else
                {
                    input.SkipLastField();
                }
            }
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

    private static (string Key, string Value) ReadEntry(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string key = "", value = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case Key: key = input.ReadString(); break;
                case Value: value = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (key, value);
    }
}
