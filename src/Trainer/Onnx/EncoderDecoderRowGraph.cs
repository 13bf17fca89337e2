using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// An encoder–decoder with greedy decoding in one graph, for ML.NET's OnnxTransformer (one row per call): the
/// encoder graph (<see cref="EncoderDecoderOnnxExport.BuildEncoder"/>) inlined, then a <c>Loop</c> whose body is the
/// decoder step (<see cref="EncoderDecoderOnnxExport.BuildDecoder"/>) followed by ArgMax, fed back until the end class
/// or 2·S + 10 symbols (<see cref="EncoderDecoderModel.MaxOutputLength"/>), as the engine's greedy decoding.
/// In: the source column itself, uint32 keys [1, sequence] (source id = key − 1). Out:
/// <see cref="DecodedKeys"/>, the decoded target symbols as ML.NET keys (id + 1), float [output length], without the
/// end class. A row with a missing key (0) or no key at all has no source to read: it runs as one step of key 1
/// (the operators need a length of at least 1) and its output is cut to nothing, an empty vector.
/// </summary>
/// <remarks>
/// The two-graph export leaves the decoding rule to an ONNX Runtime caller; inside an ML.NET model there is no
/// caller between steps, so the rule (greedy, the engine's) goes into the graph.
/// </remarks>
internal static class EncoderDecoderRowGraph
{
    /// <summary>The decoded symbols as keys (target id + 1), float [output length].</summary>
    public const string DecodedKeys = "Recurrent.DecodedKeys";

    /// <summary>The metadata key of an encoder–decoder's graphs (this one's value: <c>greedy decoding</c>).</summary>
    public const string MetadataKey = "recurrent.encoder_decoder";

    private const string Prefix = "seq2seq_";

    /// <summary>The graph reading the key column <paramref name="inputColumn"/>.</summary>
    /// <exception cref="ArgumentException">The column's name is one of the graph's own value names.</exception>
    public static OnnxModel Build(EncoderDecoderModel model, string inputColumn)
    {
        var encoder = EncoderDecoderOnnxExport.BuildEncoder(model);
        var decoder = EncoderDecoderOnnxExport.BuildDecoder(model);
        RowGraphWrapping.RefuseTakenName(encoder.Graph, inputColumn, Prefix, "source column", "the encoder–decoder's ONNX graph");
        var shape = model.Network.Shape;
        var lstm = shape.Cell == Microsoft.ML.RecurrentCellKind.Lstm;
        string Dec(string name) => name.Length == 0 ? "" : Prefix + "dec_" + name;
        string P(string name) => Prefix + name;

        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>(encoder.Graph.Initializers)
        {
            OnnxTensor.FromInt64s(P("zero"), [1], [0L]),
            OnnxTensor.FromInt64s(P("one"), [1], [1L]),
            OnnxTensor.FromInt64s(P("zero_scalar"), [], [0L]),
            OnnxTensor.FromInt64s(P("one_scalar"), [], [1L]),
            OnnxTensor.FromInt64s(P("two_scalar"), [], [2L]),
            OnnxTensor.FromInt64s(P("ten_scalar"), [], [10L]),
            OnnxTensor.FromInt64s(P("flat"), [1], [-1L]),
            OnnxTensor.FromInt64s(P("start"), [1], [(long)shape.Boundary]),
            OnnxTensor.FromInt64s(P("end"), [], [(long)shape.Boundary]),
        };
        // The decoder step's constants live in the outer graph, renamed so they cannot meet the encoder's.
        initializers.AddRange(decoder.Graph.Initializers.Select(t => t.WithName(Dec(t.Name))));
        void Node(string op, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes) =>
            nodes.Add(new OnnxNode(op, $"{Prefix}{op}_{nodes.Count}", inputs, outputs, attributes));

        // Keys → source ids. An empty row is padded with key 0, so "no key" and "a missing key" are one case: invalid.
        Node("Shape", [inputColumn], [P("length")], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        Node("Equal", [P("length"), P("zero")], [P("empty")]);
        Node("Cast", [P("empty")], [P("pad_steps")], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        Node("Concat", [P("zero"), P("zero"), P("zero"), P("pad_steps")], [P("pads")], OnnxAttribute.Int("axis", 0));
        Node("Cast", [inputColumn], [P("keys")], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        Node("Pad", [P("keys"), P("pads")], [P("padded")]);
        Node("ReduceMin", [P("padded")], [P("smallest")], OnnxAttribute.Int("keepdims", 0));
        Node("Greater", [P("smallest"), P("zero_scalar")], [P("valid")]);
        Node("Sub", [P("padded"), P("one_scalar")], [P("shifted")]);
        Node("Max", [P("shifted"), P("zero_scalar")], [SequenceModelOnnxExport.Input]);
        Node("Max", [P("length"), P("one")], [P("steps")]);
        Node("Cast", [P("steps")], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        nodes.AddRange(encoder.Graph.Nodes);

        // At most 2·S + 10 decoder steps, from ⟨s⟩ and the encoder's state.
        Node("Squeeze", [P("steps"), P("zero")], [P("steps_scalar")]);
        Node("Mul", [P("steps_scalar"), P("two_scalar")], [P("twice")]);
        Node("Add", [P("twice"), P("ten_scalar")], [P("max_steps")]);
        Node("Cast", [P("one_scalar")], [P("go")], OnnxAttribute.Int("to", (long)OnnxType.Bool));
        var body = Body(decoder.Graph, lstm, Dec, P, shape.Layers, shape.Hidden);
        IReadOnlyList<string> loopInputs = lstm
            ? [P("max_steps"), P("go"), P("start"), StepOnnxExport.StateInput, StepOnnxExport.CellInput]
            : [P("max_steps"), P("go"), P("start"), StepOnnxExport.StateInput];
        IReadOnlyList<string> loopOutputs = lstm
            ? [P("last_token"), P("last_h"), P("last_c"), P("chosen")]
            : [P("last_token"), P("last_h"), P("chosen")];
        Node("Loop", loopInputs, loopOutputs, OnnxAttribute.Graph("body", body));

        // chosen [K, 1]: the end class (only ever the last) and everything of an invalid row are cut; keys = id + 1.
        Node("Reshape", [P("chosen"), P("flat")], [P("chosen_flat")]);
        Node("Equal", [P("chosen_flat"), P("end")], [P("is_end")]);
        Node("Not", [P("is_end")], [P("is_symbol")]);
        Node("And", [P("is_symbol"), P("valid")], [P("kept")]);
        Node("Compress", [P("chosen_flat"), P("kept")], [P("decoded")], OnnxAttribute.Int("axis", 0));
        Node("Add", [P("decoded"), P("one_scalar")], [P("decoded_keys")]);
        Node("Cast", [P("decoded_keys")], [DecodedKeys], OnnxAttribute.Int("to", (long)OnnxType.Float));

        var graph = new OnnxGraph("recurrent_encoder_decoder", "Recurrent encoder–decoder with greedy decoding for ML.NET's OnnxTransformer: one row per call.",
            [new OnnxValueInfo(inputColumn, OnnxType.UInt32, [1, "sequence"])],
            [new OnnxValueInfo(DecodedKeys, OnnxType.Float, ["output"])],
            initializers, nodes);
        return new OnnxModel(graph)
        {
            IrVersion = encoder.IrVersion,
            OpsetVersion = encoder.OpsetVersion,
            ProducerVersion = encoder.ProducerVersion,
            DocString = encoder.DocString,
            Metadata =
            [
                new(MetadataKey, "greedy decoding"),
                new("recurrent.usage", $"{inputColumn}: uint32 source keys [1, sequence] (id = key − 1; key 0 is missing); " +
                    $"{DecodedKeys}: float target keys (class + 1) [output], greedy decoding until the end class or 2·S + 10 symbols"),
                .. encoder.Metadata.Where(p => p.Key != MetadataKey && p.Key != "recurrent.usage"),
            ],
        };
    }

    // One greedy step: the decoder step's nodes (renamed), ArgMax over its logits (the first of equal maxima, as the
    // engine's IndexOfMax), and the condition to go on: the choice is not the end class.
    private static OnnxGraph Body(OnnxGraph step, bool lstm, Func<string, string> dec, Func<string, string> p, int layers, int hidden)
    {
        var body = new OnnxGraphBuilder(p("greedy_step"));
        body.AddInput(p("i"), OnnxType.Int64, []);
        body.AddInput(p("cond"), OnnxType.Bool, []);
        body.AddInput(dec(EncoderDecoderOnnxExport.Token), OnnxType.Int64, [1]);
        body.AddInput(dec(StepOnnxExport.StateInput), OnnxType.Float, [layers, 1, hidden]);
        if (lstm)
            body.AddInput(dec(StepOnnxExport.CellInput), OnnxType.Float, [layers, 1, hidden]);
        foreach (var node in step.Nodes)
        {
            body.AddNode(node.OpType, node.Inputs.Select(dec).ToArray(), node.Outputs.Select(dec).ToArray(), node.Attributes);
        }
        body.AddNode("ArgMax", [dec("logits")], [p("next")], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        body.AddNode("Identity", [p("next")], [p("next_chosen")]);
        body.AddNode("Equal", [p("next"), p("end")], [p("ended")]);
        body.AddNode("Not", [p("ended")], [p("go_on")]);
        body.AddNode("Squeeze", [p("go_on"), p("zero")], [p("go_on_scalar")]);
        body.AddOutput(p("go_on_scalar"), OnnxType.Bool, []);
        body.AddOutput(p("next"), OnnxType.Int64, [1]);
        body.AddOutput(dec(StepOnnxExport.StateOutput), OnnxType.Float, [layers, 1, hidden]);
        if (lstm)
            body.AddOutput(dec(StepOnnxExport.CellOutput), OnnxType.Float, [layers, 1, hidden]);
        body.AddOutput(p("next_chosen"), OnnxType.Int64, [1]);
        return body.Build([.. step.Initializers.Select(t => dec(t.Name)), p("end"), p("zero")]);
    }
}
