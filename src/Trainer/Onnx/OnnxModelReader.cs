using System.Buffers.Binary;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Reads a model back from a graph this project exported: the options, classes and vocabulary from its
/// <c>recurrent.*</c> metadata, every weight from its initializers (the exporter copies them in the engine's own
/// layout, so reading is the same copy backwards). This is how ONNX comes out of a fitted or loaded ML.NET model,
/// whose only record of the network is the graph inside its OnnxTransformer.
/// </summary>
internal static class OnnxModelReader
{
    /// <summary>True when <paramref name="proto"/> was exported by this project.</summary>
    public static bool IsRecurrent(ModelProto proto) => proto.MetadataProps.Any(p => p.Key == "recurrent.head");

    public static ModelProto Parse(byte[] bytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Not a readable ONNX model ({e.Message}).", e);
        }
    }

    public static SequenceModel ToSequenceModel(ModelProto proto)
    {
        var metadata = proto.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        string Meta(string key) => metadata.TryGetValue(key, out var value) ? value
            : throw new InvalidDataException($"The ONNX model has no '{key}' metadata: it was not exported by Recurrent.");
        var options = JsonSerializer.Deserialize<SequenceModelOptions>(Meta("recurrent.options"), ModelFile.Json)
            ?? throw new InvalidDataException("The ONNX model's 'recurrent.options' metadata is empty.");
        var classes = JsonSerializer.Deserialize<string[]>(Meta("recurrent.labels"), ModelFile.Json) ?? [];
        var labels = Meta("recurrent.head") == "regression" ? LabelSet.Regression() : LabelSet.Classes(classes);
        var tokens = Meta("recurrent.input_kind") == "tokens";
        var vocabulary = tokens
            ? new Vocabulary((JsonSerializer.Deserialize<string[]>(Meta("recurrent.vocabulary"), ModelFile.Json) ?? []).Skip(2))
            : null;
        var features = tokens ? 0 : int.Parse(Meta("recurrent.features"), System.Globalization.CultureInfo.InvariantCulture);
        // Only a per-step model's export carries 'recurrent.outputs' (its outputs' step axis).
        var perStep = metadata.ContainsKey("recurrent.outputs");
        var description = new SequenceDataset("onnx", tokens ? InputKind.Tokens : InputKind.Numeric, features, vocabulary, labels, [], perStep);
        var network = new SequenceNetwork(NetworkShape.For(options, description));

        var initializers = proto.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        float[] Floats(string name)
        {
            if (!initializers.TryGetValue(name, out var tensor))
                throw new InvalidDataException($"The ONNX model has no initializer '{name}'.");
            var raw = tensor.RawData.Span;
            if (raw.Length == 0)
                return [.. tensor.FloatData];
            var values = new float[raw.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
            return values;
        }
        void Fill(Parameter parameter, float[] source, int offset)
        {
            if (offset + parameter.Length > source.Length)
                throw new InvalidDataException($"The ONNX model's weights are too short for {parameter.Name}.");
            source.AsSpan(offset, parameter.Length).CopyTo(parameter.Value);
        }

        if (network.Embedding is { } embedding)
            Fill(embedding, Floats("embedding"), 0);
        for (var l = 0; l < network.Layers.Count; l++)
        {
            var directions = network.Layers[l];
            float[] w = Floats($"layer{l}_W"), r = Floats($"layer{l}_R");
            float[]? b = directions[0].InputBias is null ? null : Floats($"layer{l}_B");
            for (var d = 0; d < directions.Count; d++)
            {
                var direction = directions[d];
                Fill(direction.InputWeights, w, d * direction.InputWeights.Length);
                Fill(direction.RecurrentWeights, r, d * direction.RecurrentWeights.Length);
                if (b is not null)
                {
                    var width = direction.InputBias!.Length;
                    Fill(direction.InputBias, b, d * 2 * width);
                    Fill(direction.RecurrentBias!, b, d * 2 * width + width);
                }
                if (direction.SkipGate is { } gate)
                {
                    Fill(gate.Weights, Floats($"layer{l}_W_p"), d * gate.Weights.Length);
                    Fill(gate.Bias, Floats($"layer{l}_b_p"), d);
                }
            }
        }
        if (perStep)
        {
            // PerStepOnnxHead writes Wᵀ [inputs, outputs] for its MatMul.
            var transposed = Floats("head_W_T");
            int outputs = network.Head.Outputs, inputs = network.Head.InputSize;
            if (transposed.Length < outputs * inputs)
                throw new InvalidDataException("The ONNX model's weights are too short for the per-step head.");
            for (var o = 0; o < outputs; o++)
            {
                for (var j = 0; j < inputs; j++)
                    network.Head.Weights.Value[o * inputs + j] = transposed[j * outputs + o];
            }
        }
        else
        {
            Fill(network.Head.Weights, Floats("head_W"), 0);
        }
        if (network.Head.Bias is { } bias)
            Fill(bias, Floats("head_b"), 0);
        network.WeightsChanged();
        return new SequenceModel(network, options, vocabulary, labels);
    }
}
