using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The graph of a per-step classifier inside an ML.NET model (<see cref="Microsoft.ML.RecurrentTaggerTrainer"/>): the standard
/// per-step graph (<see cref="SequenceModelOnnxExport"/>) wrapped for ML.NET's OnnxTransformer, which feeds one row per
/// call. In: the token column itself, uint32 keys [1, sequence] (id = key + 1, so key 0 is &lt;unk&gt;), from which
/// the graph makes the standard <c>input</c> and <c>sequence_lens</c>. Out, as flat vectors (OnnxTransformer reads
/// tensors with a shape): <see cref="StepProbabilities"/>, every step's class probabilities one step after another
/// [sequence · classes], and <see cref="PredictedKeys"/>, every step's most probable class as a key (index + 1)
/// [sequence]. An empty row runs as one &lt;pad&gt; step (the operators need a length of at least 1) whose outputs
/// are cut off again, so it gives empty vectors.
/// </summary>
internal static class TaggerOnnxExport
{
    /// <summary>Every step's class probabilities, float [sequence · classes].</summary>
    public const string StepProbabilities = "Recurrent.StepProbabilities";

    /// <summary>Every step's predicted class as an ML.NET key (index + 1), float [sequence].</summary>
    public const string PredictedKeys = "Recurrent.PredictedKeys";

    /// <summary>The wrapped graph reading the key column <paramref name="inputColumn"/>.</summary>
    /// <exception cref="ArgumentException">The column's name is one of the graph's own value names.</exception>
    public static OnnxModel Build(SequenceModel model, string inputColumn)
    {
        if (!model.PerStep || model.Head != Layers.HeadKind.MultiClass && model.Head != Layers.HeadKind.Binary
            || model.InputKind != Data.InputKind.Tokens)
            throw new ArgumentException("Only a per-step classifier over tokens is a tagger.", nameof(model));
        var standard = SequenceModelOnnxExport.Build(model);
        var inner = standard.Graph;
        RowGraphWrapping.RefuseTakenName(inner, inputColumn, "tagger_", "token column", "the tagger's ONNX graph");

        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>(inner.Initializers)
        {
            OnnxTensor.FromInt64s("tagger_zero", [1], [0L]),
            OnnxTensor.FromInt64s("tagger_one", [1], [1L]),
            OnnxTensor.FromInt64s("tagger_one_scalar", [], [1L]),
            OnnxTensor.FromInt64s("tagger_step_axis", [1], [1L]),
            OnnxTensor.FromInt64s("tagger_flat", [1], [-1L]),
        };
        void Node(string op, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes) =>
            nodes.Add(new OnnxNode(op, $"tagger_{op}_{nodes.Count}", inputs, outputs, attributes));

        // Keys → ids, padded to one step when the row is empty; the lengths from the row's own shape.
        Node("Shape", [inputColumn], ["tagger_length"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        Node("Equal", ["tagger_length", "tagger_zero"], ["tagger_empty"]);
        Node("Cast", ["tagger_empty"], ["tagger_pad_steps"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        Node("Concat", ["tagger_zero", "tagger_zero", "tagger_zero", "tagger_pad_steps"], ["tagger_pads"], OnnxAttribute.Int("axis", 0));
        Node("Cast", [inputColumn], ["tagger_keys"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        Node("Add", ["tagger_keys", "tagger_one_scalar"], ["tagger_ids"]);
        Node("Pad", ["tagger_ids", "tagger_pads"], [SequenceModelOnnxExport.Input]);
        Node("Max", ["tagger_length", "tagger_one"], ["tagger_length_at_least_one"]);
        Node("Cast", ["tagger_length_at_least_one"], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        nodes.AddRange(inner.Nodes);
        // probabilities [1, T', C] → the row's own T steps → flat; ArgMax keeps the first of equal maxima, as the engine does.
        Node("Slice", ["probabilities", "tagger_zero", "tagger_length", "tagger_step_axis"], ["tagger_step_probabilities"]);
        Node("Reshape", ["tagger_step_probabilities", "tagger_flat"], [StepProbabilities]);
        Node("ArgMax", ["tagger_step_probabilities"], ["tagger_classes"], OnnxAttribute.Int("axis", 2), OnnxAttribute.Int("keepdims", 0));
        Node("Add", ["tagger_classes", "tagger_one_scalar"], ["tagger_class_keys"]);
        Node("Cast", ["tagger_class_keys"], ["tagger_class_keys_f"], OnnxAttribute.Int("to", (long)OnnxType.Float));
        Node("Reshape", ["tagger_class_keys_f", "tagger_flat"], [PredictedKeys]);

        var graph = new OnnxGraph("recurrent_tagger", "Recurrent per-step classifier for ML.NET's OnnxTransformer: one row per call.",
            [new OnnxValueInfo(inputColumn, OnnxType.UInt32, [1, "sequence"])],
            [
                new OnnxValueInfo(StepProbabilities, OnnxType.Float, ["step_classes"]),
                new OnnxValueInfo(PredictedKeys, OnnxType.Float, ["sequence"]),
            ],
            initializers, nodes);
        return RowGraphWrapping.Wrap(standard, graph);
    }
}
