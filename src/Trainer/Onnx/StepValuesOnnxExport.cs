using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The graph of a per-step regression over numeric steps inside an ML.NET model file: the standard per-step graph
/// (<see cref="SequenceModelOnnxExport"/>) wrapped for ML.NET's OnnxTransformer, which feeds one row per call, as
/// <see cref="TaggerOnnxExport"/> wraps a tagger. In: the feature column itself, float [1, sequence · features], the
/// steps' values one step after another, from which the graph makes the standard <c>input</c> [1, sequence, features]
/// and <c>sequence_lens</c>. Out: <see cref="StepValues"/>, the value at every step, a flat float [sequence]. An empty
/// row runs as one zero step (the operators need a length of at least 1) whose value is cut off again.
/// </summary>
internal static class StepValuesOnnxExport
{
    /// <summary>Every step's value, float [sequence].</summary>
    public const string StepValues = "Recurrent.StepValues";

    /// <summary>The wrapped graph reading the float column <paramref name="inputColumn"/>.</summary>
    /// <exception cref="ArgumentException">Not a per-step regression over numeric steps, or the column's name is the graph's own.</exception>
    public static OnnxModel Build(SequenceModel model, string inputColumn)
    {
        if (!model.PerStep || model.Head != Layers.HeadKind.Regression || model.InputKind != Data.InputKind.Numeric)
            throw new ArgumentException("Only a per-step regression over numeric steps is written this way.", nameof(model));
        var standard = SequenceModelOnnxExport.Build(model);
        var inner = standard.Graph;
        RowGraphWrapping.RefuseTakenName(inner, inputColumn, "steps_", "feature column", "the model's ONNX graph");

        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>(inner.Initializers)
        {
            OnnxTensor.FromInt64s("steps_zero", [1], [0L]),
            OnnxTensor.FromInt64s("steps_one", [1], [1L]),
            OnnxTensor.FromInt64s("steps_width", [1], [(long)model.FeatureCount]),
            OnnxTensor.FromInt64s("steps_step_axis", [1], [1L]),
            OnnxTensor.FromInt64s("steps_flat", [1], [-1L]),
        };
        void Node(string op, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes) =>
            nodes.Add(new OnnxNode(op, $"steps_{op}_{nodes.Count}", inputs, outputs, attributes));

        // [1, T·F] → [1, T, F], padded to one step when the row is empty; T from the row's own length.
        Node("Shape", [inputColumn], ["steps_values"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        Node("Div", ["steps_values", "steps_width"], ["steps_length"]);
        Node("Concat", ["steps_one", "steps_length", "steps_width"], ["steps_shape"], OnnxAttribute.Int("axis", 0));
        Node("Reshape", [inputColumn, "steps_shape"], ["steps_input"]);
        Node("Equal", ["steps_length", "steps_zero"], ["steps_empty"]);
        Node("Cast", ["steps_empty"], ["steps_pad_steps"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        Node("Concat", ["steps_zero", "steps_zero", "steps_zero", "steps_zero", "steps_pad_steps", "steps_zero"], ["steps_pads"],
            OnnxAttribute.Int("axis", 0));
        Node("Pad", ["steps_input", "steps_pads"], [SequenceModelOnnxExport.Input]);
        Node("Max", ["steps_length", "steps_one"], ["steps_length_at_least_one"]);
        Node("Cast", ["steps_length_at_least_one"], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        nodes.AddRange(inner.Nodes);
        // value [1, T', 1] → the row's own T steps → flat.
        Node("Slice", ["value", "steps_zero", "steps_length", "steps_step_axis"], ["steps_row_values"]);
        Node("Reshape", ["steps_row_values", "steps_flat"], [StepValues]);

        var graph = new OnnxGraph("recurrent_step_values", "Recurrent per-step regression for ML.NET's OnnxTransformer: one row per call.",
            [new OnnxValueInfo(inputColumn, OnnxType.Float, [1, "values"])],
            [new OnnxValueInfo(StepValues, OnnxType.Float, ["sequence"])],
            initializers, nodes);
        return RowGraphWrapping.Wrap(standard, graph);
    }
}
