using System.Text.Json;
using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// An encoder–decoder as two ONNX graphs in standard operators, so ONNX Runtime users decode as the engine does.
/// The encoder reads <c>input</c> (int64 source ids [batch, sequence]) and <c>sequence_lens</c> (int32 [batch]) and
/// gives the state it hands on, <c>state_h</c> (and the LSTM's <c>state_c</c>) float [layers, batch, hidden]: each
/// layer's standard RNN/LSTM/GRU operator's Y_h (Y_c), its state at each sequence's last valid step. The decoder is
/// one step: <c>token</c> (int64 [batch]; the start token first, then the token chosen), <c>state_h</c>
/// (<c>state_c</c>) in; <c>logits</c> and <c>probabilities</c> [batch, classes] and <c>state_h_out</c>
/// (<c>state_c_out</c>) out, fed back with the next token until the end class. A Loop in one graph would hide the
/// decoding rule (greedy, beam, sampled) inside the file; two graphs leave it to the caller.
/// </summary>
internal static class EncoderDecoderOnnxExport
{
    public const string Token = "token";

    /// <summary>The two files of an export to <paramref name="path"/>: X.onnx gives X.encoder.onnx and X.decoder.onnx.</summary>
    public static (string Encoder, string Decoder) Paths(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? "";
        var stem = Path.GetFileNameWithoutExtension(path);
        return (Path.Combine(directory, stem + ".encoder.onnx"), Path.Combine(directory, stem + ".decoder.onnx"));
    }

    /// <summary>Writes both graphs (see <see cref="Paths"/>) and returns their paths.</summary>
    public static (string Encoder, string Decoder) ExportOnnx(this EncoderDecoderModel model, string path)
    {
        var (encoder, decoder) = Paths(path);
        OnnxModelWriter.WriteFile(encoder, BuildEncoder(model));
        OnnxModelWriter.WriteFile(decoder, BuildDecoder(model));
        return (encoder, decoder);
    }

    // The cell settings the recurrent operator reads, in the shape the classifier's exporter takes.
    private static NetworkShape OperatorShape(EncoderDecoderShape s) => new(s.Cell, s.Activation, s.Hidden, s.Layers,
        Bidirectional: false, s.UseBias, s.GruLinearBeforeReset, InputKind.Tokens, s.EmbeddingSize, s.SourceVocabulary,
        HeadKind.MultiClass, s.Outputs);

    public static OnnxModel BuildEncoder(EncoderDecoderModel model)
    {
        var network = model.Network;
        var shape = network.Shape;
        var lstm = shape.Cell == RecurrentCellKind.Lstm;
        var g = new OnnxGraphBuilder("recurrent_encoder")
        {
            DocString = "The encoder of an encoder–decoder: source ids and lengths in; the state each layer hands its decoder layer out.",
        };
        g.AddInput(SequenceModelOnnxExport.Input, OnnxType.Int64, ["batch", "sequence"]);
        g.AddInput(SequenceModelOnnxExport.Lengths, OnnxType.Int32, ["batch"]);
        g.AddInitializer("embedding", [shape.SourceVocabulary, shape.EmbeddingSize], network.SourceEmbedding.Value);
        g.AddNode("Gather", ["embedding", SequenceModelOnnxExport.Input], ["embedded"], OnnxAttribute.Int("axis", 0));
        g.AddNode("Transpose", ["embedded"], ["layer0_input"], OnnxAttribute.Ints("perm", 1, 0, 2));
        if (shape.Layers > 1)
            g.AddInitializer("direction_axis", [1], [1L]);
        var operatorShape = OperatorShape(shape);
        var input = "layer0_input";
        for (var l = 0; l < shape.Layers; l++)
        {
            var prefix = $"layer{l}";
            SequenceModelOnnxExport.AddRecurrentOperator(g, operatorShape, [network.Encoder[l]], prefix, input, finalCell: true);
            if (l + 1 == shape.Layers)
                break;
            // Y [T, 1, B, H] → [T, B, H], the next layer's input.
            g.AddNode("Squeeze", [$"{prefix}_Y", "direction_axis"], [$"layer{l + 1}_input"]);
            input = $"layer{l + 1}_input";
        }
        AddStateOutputs(g, shape, "layer{0}_Y_h", "layer{0}_Y_c", StepOnnxExport.StateInput, StepOnnxExport.CellInput);
        return Finish(g, model, "encoder", $"input: int64 source ids [batch, sequence]; sequence_lens: int32 [batch]; " +
            $"outputs {StepOnnxExport.StateInput}{(lstm ? $" and {StepOnnxExport.CellInput}" : "")} [{shape.Layers}, batch, {shape.Hidden}] " +
            "are the decoder's first state");
    }

    public static OnnxModel BuildDecoder(EncoderDecoderModel model)
    {
        var network = model.Network;
        var shape = network.Shape;
        var lstm = shape.Cell == RecurrentCellKind.Lstm;
        var g = new OnnxGraphBuilder("recurrent_decoder_step")
        {
            DocString = "One step of an encoder–decoder's decoder: the previous token and the state in; the next token's scores and the state out.",
        };
        g.AddInput(Token, OnnxType.Int64, ["batch"]);
        g.AddInput(StepOnnxExport.StateInput, OnnxType.Float, [shape.Layers, "batch", shape.Hidden]);
        if (lstm)
            g.AddInput(StepOnnxExport.CellInput, OnnxType.Float, [shape.Layers, "batch", shape.Hidden]);
        g.AddInitializer("axis0", [1], [0L]);
        g.AddInitializer("embedding", [shape.Outputs, shape.EmbeddingSize], network.TargetEmbedding.Value);
        g.AddNode("Gather", ["embedding", Token], ["embedded"], OnnxAttribute.Int("axis", 0));
        // [batch, E] → [1, batch, E]: a time-major sequence of one step.
        g.AddNode("Unsqueeze", ["embedded", "axis0"], ["layer0_input"]);
        var operatorShape = OperatorShape(shape);
        var input = "layer0_input";
        for (var l = 0; l < shape.Layers; l++)
        {
            var prefix = $"layer{l}";
            g.AddInitializer($"{prefix}_from", [1], [(long)l]);
            g.AddInitializer($"{prefix}_to", [1], [(long)l + 1]);
            g.AddNode("Slice", [StepOnnxExport.StateInput, $"{prefix}_from", $"{prefix}_to", "axis0"], [$"{prefix}_h0"]);
            if (lstm)
                g.AddNode("Slice", [StepOnnxExport.CellInput, $"{prefix}_from", $"{prefix}_to", "axis0"], [$"{prefix}_c0"]);
            SequenceModelOnnxExport.AddRecurrentOperator(g, operatorShape, [network.Decoder[l]], prefix, input, lengths: "",
                initialState: $"{prefix}_h0", initialCell: lstm ? $"{prefix}_c0" : null);
            // Y_h [1, batch, H] is both this layer's new state and, as a sequence of one step, the next layer's input.
            input = $"{prefix}_Y_h";
        }
        AddStateOutputs(g, shape, "layer{0}_Y_h", "layer{0}_Y_c", StepOnnxExport.StateOutput, StepOnnxExport.CellOutput);
        g.AddNode("Squeeze", [input, "axis0"], ["features"]);
        PerStepOnnxHead.AddLinear(g, network.Head, "features", "logits");
        g.AddOutput("logits", OnnxType.Float, ["batch", shape.Outputs]);
        g.AddNode("Softmax", ["logits"], ["probabilities"], OnnxAttribute.Int("axis", -1));
        g.AddOutput("probabilities", OnnxType.Float, ["batch", shape.Outputs]);
        return Finish(g, model, "decoder step", $"{Token}: int64 [batch], the start id {shape.Boundary} first, then each chosen class; " +
            $"{StepOnnxExport.StateInput}{(lstm ? $" and {StepOnnxExport.CellInput}" : "")}: the encoder's output, then " +
            $"{StepOnnxExport.StateOutput}{(lstm ? $" and {StepOnnxExport.CellOutput}" : "")} of the step before; class {shape.Boundary} ends the output");
    }

    // Concatenates every layer's h (and c) into [layers, batch, H] outputs.
    private static void AddStateOutputs(OnnxGraphBuilder g, EncoderDecoderShape shape, string stateFormat, string cellFormat,
        string stateOutput, string cellOutput)
    {
        var layers = Enumerable.Range(0, shape.Layers).ToArray();
        g.AddNode("Concat", layers.Select(l => string.Format(System.Globalization.CultureInfo.InvariantCulture, stateFormat, l)).ToArray(),
            [stateOutput], OnnxAttribute.Int("axis", 0));
        g.AddOutput(stateOutput, OnnxType.Float, [shape.Layers, "batch", shape.Hidden]);
        if (shape.Cell != RecurrentCellKind.Lstm)
            return;
        g.AddNode("Concat", layers.Select(l => string.Format(System.Globalization.CultureInfo.InvariantCulture, cellFormat, l)).ToArray(),
            [cellOutput], OnnxAttribute.Int("axis", 0));
        g.AddOutput(cellOutput, OnnxType.Float, [shape.Layers, "batch", shape.Hidden]);
    }

    private static OnnxModel Finish(OnnxGraphBuilder g, EncoderDecoderModel model, string part, string usage)
    {
        var json = new JsonSerializerOptions(ModelFile.Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return new OnnxModel(g.Build())
        {
            ProducerVersion = typeof(EncoderDecoderOnnxExport).Assembly.GetName().Version?.ToString(),
            DocString = "Exported by Recurrent. metadata_props carry the symbols, the start/end id and the options.",
            Metadata =
            [
                new(EncoderDecoderRowGraph.MetadataKey, part),
                new("recurrent.usage", usage),
                new("recurrent.source_symbols", JsonSerializer.Serialize(model.SourceSymbols, json)),
                new("recurrent.target_symbols", JsonSerializer.Serialize(model.TargetSymbols, json)),
                new("recurrent.boundary", model.Network.Shape.Boundary.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("recurrent.options", JsonSerializer.Serialize(model.Options, json)),
            ],
        };
    }
}
