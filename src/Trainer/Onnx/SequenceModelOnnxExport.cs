using System.Text.Json;
using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Maps a trained <see cref="SequenceModel"/> (a classifier, a regression or a per-step model) onto standard ONNX
/// operators: Gather for the embedding, a Transpose to time-major, one RNN/LSTM/GRU operator per layer (both directions
/// in one operator) reading <c>sequence_lens</c>, and a Gemm head with Softmax or Sigmoid. The engine keeps weights in ONNX's layout and gate
/// order, so every weight is copied, never permuted.
/// </summary>
/// <remarks>
/// Inputs: <c>input</c> (int64 [batch, sequence] token ids, or float [batch, sequence, features]) and
/// <c>sequence_lens</c> (int32 [batch]). Outputs: <c>logits</c> [batch, outputs] and, for classifiers,
/// <c>probabilities</c> [batch, classes] in label order; for regression <c>value</c> [batch, 1]. A per-step model
/// reads the top layer's Y instead and gives the same outputs at every step (<see cref="PerStepOnnxHead"/>).
/// </remarks>
internal static class SequenceModelOnnxExport
{
    /// <summary>Name of the input tensor.</summary>
    public const string Input = "input";
    /// <summary>Name of the lengths tensor.</summary>
    public const string Lengths = "sequence_lens";

    /// <summary>The ONNX model of a trained classifier.</summary>
    public static OnnxModel Build(SequenceModel model) => Build(model, StandardOnnxBoundary.Instance);

    /// <summary>The ONNX model of a trained classifier with the given inputs and outputs.</summary>
    internal static OnnxModel Build(SequenceModel model, IOnnxModelBoundary boundary)
    {
        var network = model.Network;
        var shape = network.Shape;
        var g = new OnnxGraphBuilder("recurrent_sequence_classifier") { DocString = boundary.DocString };
        // The boundary adds the inputs, the embedding and sequence_lens, and returns the batch-major steps.
        var x = boundary.AddInputs(g, model);
        g.AddNode("Transpose", [x], ["layer0_input"], OnnxAttribute.Ints("perm", 1, 0, 2));
        var perStep = shape.PerStep;
        // Only the outputs of stacked layers and of a per-step head's undilated top layer are reshaped time-major
        // (an unused initializer warns).
        if (perStep ? network.Layers.Any(directions => directions[0].Dilation == 1) : network.Layers.Count > 1)
            g.AddInitializer("concat_directions_time_major", [3], [0L, 0L, -1L]);
        if (!perStep)
            g.AddInitializer("concat_directions_batch_major", [2], [0L, -1L]);
        var input = "layer0_input";
        var final = "";
        for (var l = 0; l < network.Layers.Count; l++)
        {
            var directions = network.Layers[l];
            var prefix = $"layer{l}";
            if (directions[0].Dilation > 1)
            {
                // Dilated layers run the same operator over interleaved sub-sequences; see DilatedRecurrentStage.
                var last = l + 1 == network.Layers.Count && !perStep;
                DilatedRecurrentStage.Add(g, shape, directions, prefix, input, last ? null : $"layer{l + 1}_input",
                    last ? "features" : null);
                input = $"layer{l + 1}_input";
                final = "";
                continue;
            }
            AddRecurrentOperator(g, shape, directions, prefix, input);
            final = $"{prefix}_Y_h";
            if (l + 1 < network.Layers.Count || perStep)
            {
                // Y [T, directions, B, H] → [T, B, directions·H], forward half first, as the engine concatenates.
                g.AddNode("Transpose", [$"{prefix}_Y"], [$"{prefix}_Y_batch"], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
                g.AddNode("Reshape", [$"{prefix}_Y_batch", "concat_directions_time_major"], [$"layer{l + 1}_input"]);
                input = $"layer{l + 1}_input";
            }
        }
        if (perStep)
        {
            PerStepOnnxHead.Add(g, model, boundary, input);
            return Finish(g, model, boundary);
        }
        // Y_h [directions, B, H] → [B, directions·H]: forward final state, then the reverse one (after t = 0).
        if (final.Length > 0)
        {
            g.AddNode("Transpose", [final], ["final_states"], OnnxAttribute.Ints("perm", 1, 0, 2));
            g.AddNode("Reshape", ["final_states", "concat_directions_batch_major"], ["features"]);
        }
        var head = network.Head;
        g.AddInitializer("head_W", [head.Outputs, head.InputSize], head.Weights.Value);
        var headInputs = new List<string> { "features", "head_W" };
        if (head.Bias is { } bias)
            headInputs.Add(g.AddInitializer("head_b", [head.Outputs], bias.Value));
        var logits = shape.Head == HeadKind.Regression ? "value" : "logits";
        g.AddNode("Gemm", headInputs, [logits], OnnxAttribute.Int("transB", 1));
        boundary.AddOutputs(g, model, logits);
        return Finish(g, model, boundary);
    }

    internal static OnnxModel Finish(OnnxGraphBuilder g, SequenceModel model, IOnnxModelBoundary boundary,
        params IEnumerable<KeyValuePair<string, string>> metadata) => new(g.Build())
        {
            IrVersion = boundary.OpsetVersion >= 20 ? 9 : 8,
            OpsetVersion = boundary.OpsetVersion,
            ExtraOpsets = boundary.ExtraOpsets,
            ProducerVersion = typeof(SequenceModelOnnxExport).Assembly.GetName().Version?.ToString(),
            DocString = "Exported by Recurrent. metadata_props carry the labels, vocabulary and options.",
            Metadata = [.. Metadata(model, boundary), .. metadata],
        };

    /// <remarks>
    /// With <paramref name="initialState"/> (and, for the LSTM, <paramref name="initialCell"/>) the operator starts
    /// from that state instead of zeros, and an LSTM also gives its final cell as <c>{prefix}_Y_c</c>; so it does
    /// from zeros with <paramref name="finalCell"/> (an encoder handing its state on).
    /// </remarks>
    internal static void AddRecurrentOperator(OnnxGraphBuilder g, NetworkShape shape,
        IReadOnlyList<RecurrentDirection> directions, string prefix, string input, string lengths = Lengths,
        string? initialState = null, string? initialCell = null, bool finalCell = false)
    {
        if (shape.SkipUpdates && initialState is null)
        {
            // A layer with skip gates: a Loop per direction, with the same outputs as the operator's.
            SkipRecurrentOperator.Add(g, shape, directions, prefix, input, lengths);
            return;
        }
        var first = directions[0];
        int gates = first.Cell.GateCount, hidden = shape.Hidden, count = directions.Count;
        var w = Stack(directions.Select(d => d.InputWeights.Value));
        var r = Stack(directions.Select(d => d.RecurrentWeights.Value));
        var b = Stack(directions.Select(d => Concat(
            d.InputBias?.Value ?? new float[gates * hidden], d.RecurrentBias?.Value ?? new float[gates * hidden])));
        g.AddInitializer($"{prefix}_W", [count, gates * hidden, first.InputSize], w);
        g.AddInitializer($"{prefix}_R", [count, gates * hidden, hidden], r);
        g.AddInitializer($"{prefix}_B", [count, 2 * gates * hidden], b);
        var attributes = new List<OnnxAttribute>
        {
            OnnxAttribute.Int("hidden_size", hidden),
            OnnxAttribute.String("direction", count == 2 ? "bidirectional" : "forward"),
        };
        var op = shape.Cell switch { RecurrentCellKind.Lstm => "LSTM", RecurrentCellKind.Gru => "GRU", _ => "RNN" };
        if (shape.Cell == RecurrentCellKind.Rnn)
        {
            var activation = shape.Activation switch { RecurrentActivation.Relu => "Relu", RecurrentActivation.Sigmoid => "Sigmoid", _ => "Tanh" };
            attributes.Add(OnnxAttribute.Strings("activations", Enumerable.Repeat(activation, count)));
        }
        if (shape.Cell == RecurrentCellKind.Gru)
            attributes.Add(OnnxAttribute.Int("linear_before_reset", shape.GruLinearBeforeReset ? 1 : 0));
        if (initialState is null)
        {
            g.AddNode(op, [input, $"{prefix}_W", $"{prefix}_R", $"{prefix}_B", lengths],
                finalCell && shape.Cell == RecurrentCellKind.Lstm
                    ? [$"{prefix}_Y", $"{prefix}_Y_h", $"{prefix}_Y_c"]
                    : [$"{prefix}_Y", $"{prefix}_Y_h"],
                [.. attributes]);
            return;
        }
        IReadOnlyList<string> inputs = initialCell is null
            ? [input, $"{prefix}_W", $"{prefix}_R", $"{prefix}_B", lengths, initialState]
            : [input, $"{prefix}_W", $"{prefix}_R", $"{prefix}_B", lengths, initialState, initialCell];
        IReadOnlyList<string> outputs = initialCell is null
            ? [$"{prefix}_Y", $"{prefix}_Y_h"]
            : [$"{prefix}_Y", $"{prefix}_Y_h", $"{prefix}_Y_c"];
        g.AddNode(op, inputs, outputs, [.. attributes]);
    }

    private static List<KeyValuePair<string, string>> Metadata(SequenceModel model, IOnnxModelBoundary boundary)
    {
        // Metadata is read by people and other languages: keep "<pad>" readable instead of \u003C-escaped.
        var json = new JsonSerializerOptions(ModelFile.Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var metadata = new List<KeyValuePair<string, string>>
        {
            new("recurrent.head", model.Head.ToString().ToLowerInvariant()),
            new("recurrent.input_kind", model.InputKind.ToString().ToLowerInvariant()),
            new("recurrent.labels", JsonSerializer.Serialize(model.Labels.ClassNames, json)),
            new("recurrent.options", JsonSerializer.Serialize(model.Options, json)),
            new("recurrent.inputs", boundary.InputsDescription),
        };
        if (model.InputKind == InputKind.Numeric)
            metadata.Add(new("recurrent.features", model.FeatureCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (model.Vocabulary is { } vocabulary)
        {
            metadata.Add(new("recurrent.vocabulary", JsonSerializer.Serialize(vocabulary.Tokens, json)));
            metadata.Add(new("recurrent.tokenizer", model.TokenUnit == TokenUnit.Character
                ? "one token per character (Unicode scalar value); id 0 = <pad>, id 1 = <unk>"
                : boundary.TokenizerDescription));
        }
        if (model.PerStep)
            metadata.Add(new("recurrent.outputs", "per step: [batch, sequence, ...]; past a sequence's length the state is zero, so the outputs there are the head's bias"));
        return metadata;
    }

    private static float[] Stack(IEnumerable<float[]> parts) => parts.SelectMany(p => p).ToArray();

    private static float[] Concat(float[] first, float[] second) => [.. first, .. second];
}
