using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The boundary of a graph that takes what the ML.NET pipeline took and gives what it gave, with ML.NET's column
/// names: raw text [batch] (lowercased by StringNormalizer, split by StringSplit, looked up by ai.onnx.ml's
/// LabelEncoder) or raw steps [batch, values]; out come <c>Score</c>, <c>PredictedLabel</c> (the class names, by
/// LabelEncoder) and, for a binary task, <c>Probability</c>. A row with a missing value (no token, a NaN or
/// infinite step value) gives NaN scores and an empty or false label, as the ML.NET model does.
/// </summary>
internal sealed class PipelineOnnxBoundary(PipelineInput input, RecurrentTask task) : IOnnxModelBoundary
{
    private const string MlDomain = "ai.onnx.ml";
    private const string Missing = "missing";

    public string DocString => "Recurrent sequence model with the ML.NET pipeline's featurisation: raw inputs, ML.NET's outputs.";

    public long OpsetVersion => 20; // StringSplit

    public IReadOnlyList<KeyValuePair<string, long>> ExtraOpsets => [new(MlDomain, 2)];

    public string InputsDescription => input switch
    {
        PipelineInput.Text text => $"{text.Column}: string [batch], the raw text",
        PipelineInput.Steps steps => $"{steps.Column}: float [batch, steps × {steps.FeaturesPerStep}], the steps one after another",
        _ => throw new InvalidOperationException(),
    };

    public string TokenizerDescription => input is PipelineInput.Text text
        ? $"in this graph, as the ML.NET pipeline ({text.PipelineSteps}): " + (text.Lowercase ? "StringNormalizer lowercases, " : "")
          + $"StringSplit on '{text.Separator}' (empty tokens dropped), LabelEncoder over the key values (id = key + 1; unknown -> <unk>)"
        : "none: numeric input";

    public string AddInputs(OnnxGraphBuilder g, SequenceModel model)
    {
        g.AddInitializer("zero_i64", [1], [0L]);
        g.AddInitializer("one_i64", [1], [1L]);
        g.AddInitializer("axis1", [1], [1L]);
        return input switch
        {
            PipelineInput.Text text => AddText(g, model, text),
            PipelineInput.Steps steps => AddSteps(g, model, steps),
            _ => throw new InvalidOperationException(),
        };
    }

    private static string AddText(OnnxGraphBuilder g, SequenceModel model, PipelineInput.Text text)
    {
        g.AddInput(text.Column, OnnxType.String, ["batch"]);
        var normalized = text.Column;
        if (text.Lowercase)
        {
            // ONNX Runtime builds the locale "<locale>.UTF-8"; its default, en_US, is missing on many Linux machines and
            // containers, while glibc always has C.UTF-8, whose case mapping covers Unicode as .NET's invariant one does.
            g.AddNode("StringNormalizer", [text.Column], ["lowercased"], OnnxAttribute.String("case_change_action", "LOWER"),
                OnnxAttribute.String("locale", "C"));
            normalized = "lowercased";
        }
        g.AddNode("StringSplit", [normalized], ["words", "word_counts"], OnnxAttribute.String("delimiter", text.Separator.ToString()));
        // Key k is KeyValues[k − 1] and id = key + 1; "" (between two separators, or padding) is id 0 and dropped.
        var keys = new List<string>();
        var ids = new List<long>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { "" };
        for (var k = 0; k < text.KeyValues.Count; k++)
        {
            if (seen.Add(text.KeyValues[k]))
            {
                keys.Add(text.KeyValues[k]);
                ids.Add(k + 2);
            }
        }
        keys.Add("");
        ids.Add(0);
        g.AddNodeIn(MlDomain, "LabelEncoder", ["words"], ["word_ids"], OnnxAttribute.Strings("keys_strings", keys),
            OnnxAttribute.Ints("values_int64s", ids), OnnxAttribute.Int("default_int64", 1));
        // Compact each row: its words first, in order, then the dropped ones (TopK over present·(M+1) + (M − position)).
        g.AddNode("Greater", ["word_ids", "zero_i64"], ["present"]);
        g.AddNode("Cast", ["present"], ["present_i64"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("ReduceSum", ["present_i64", "axis1"], ["word_lengths"], OnnxAttribute.Int("keepdims", 0));
        g.AddNode("Shape", ["word_ids"], ["width"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        g.AddInitializer("zero_scalar", [], [0L]);
        g.AddInitializer("one_scalar", [], [1L]);
        g.AddNode("Squeeze", ["width"], ["width_scalar"]);
        g.AddNode("Range", ["zero_scalar", "width_scalar", "one_scalar"], ["positions"]);
        g.AddNode("Add", ["width", "one_i64"], ["width_plus_one"]);
        g.AddNode("Mul", ["present_i64", "width_plus_one"], ["present_rank"]);
        g.AddNode("Sub", ["width", "positions"], ["position_rank"]);
        g.AddNode("Add", ["present_rank", "position_rank"], ["order_key"]);
        g.AddNode("TopK", ["order_key", "width"], ["ordered_keys", "order"], OnnxAttribute.Int("axis", 1));
        g.AddNode("GatherElements", ["word_ids", "order"], ["compact_ids"], OnnxAttribute.Int("axis", 1));
        // No word in the whole batch: one <pad> step, so the operators see a valid length.
        g.AddNode("Equal", ["width", "zero_i64"], ["no_width"]);
        g.AddNode("Cast", ["no_width"], ["pad_steps"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("Concat", ["zero_i64", "zero_i64", "zero_i64", "pad_steps"], ["id_pads"], OnnxAttribute.Int("axis", 0));
        g.AddNode("Pad", ["compact_ids", "id_pads"], ["padded_ids"]);
        var shape = model.Network.Shape;
        g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], model.Network.Embedding!.Value);
        g.AddNode("Gather", ["embedding", "padded_ids"], ["embedded"], OnnxAttribute.Int("axis", 0));
        g.AddNode("Equal", ["word_lengths", "zero_i64"], [Missing]);
        g.AddNode("Max", ["word_lengths", "one_i64"], ["lengths_at_least_one"]);
        g.AddNode("Cast", ["lengths_at_least_one"], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        return "embedded";
    }

    private static string AddSteps(OnnxGraphBuilder g, SequenceModel model, PipelineInput.Steps steps)
    {
        g.AddInput(steps.Column, OnnxType.Float, ["batch", "values"]);
        g.AddInitializer("steps_shape", [3], [0L, -1L, steps.FeaturesPerStep]);
        g.AddNode("Reshape", [steps.Column, "steps_shape"], ["steps"]);
        g.AddNode("Shape", ["steps"], ["step_count"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        g.AddNode("Equal", ["step_count", "zero_i64"], ["no_steps"]);
        g.AddNode("Cast", ["no_steps"], ["pad_steps"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("Concat", ["zero_i64", "zero_i64", "zero_i64", "zero_i64", "pad_steps", "zero_i64"], ["step_pads"],
            OnnxAttribute.Int("axis", 0));
        g.AddNode("Pad", ["steps", "step_pads"], ["padded_steps"]);
        // A NaN or infinite value anywhere in a row makes that row missing, as in training.
        g.AddNode("IsNaN", [steps.Column], ["is_nan"]);
        g.AddNode("IsInf", [steps.Column], ["is_inf"]);
        g.AddNode("Or", ["is_nan", "is_inf"], ["not_finite"]);
        g.AddNode("Cast", ["not_finite"], ["not_finite_i64"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("ReduceSum", ["not_finite_i64", "axis1"], ["not_finite_count"], OnnxAttribute.Int("keepdims", 0));
        g.AddNode("Greater", ["not_finite_count", "zero_i64"], ["row_not_finite"]);
        g.AddNode("Or", ["row_not_finite", "no_steps"], [Missing]);
        g.AddNode("Shape", [steps.Column], ["batch_size"], OnnxAttribute.Int("start", 0), OnnxAttribute.Int("end", 1));
        g.AddNode("Max", ["step_count", "one_i64"], ["steps_at_least_one"]);
        g.AddNode("Expand", ["steps_at_least_one", "batch_size"], ["row_lengths"]);
        g.AddNode("Cast", ["row_lengths"], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        return "padded_steps";
    }

    public void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        g.AddInitializer("nan", [1], [float.NaN]);
        g.AddInitializer("column", [2], [-1L, 1L]);
        g.AddNode("Reshape", [Missing, "column"], ["missing_column"]);
        switch (task)
        {
            case RecurrentTask.MulticlassClassification:
                {
                    ClassProbabilities.Add(g, model, head);
                    g.AddNode("Where", ["missing_column", "nan", "probabilities"], ["Score"]);
                    g.AddOutput("Score", OnnxType.Float, ["batch", model.Labels.ClassCount]);
                    g.AddNode("ArgMax", ["probabilities"], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
                    g.AddInitializer("no_class", [1], [-1L]);
                    g.AddNode("Where", [Missing, "no_class", "class_index"], ["class_or_none"]);
                    var classes = model.Labels.ClassNames;
                    g.AddNodeIn(MlDomain, "LabelEncoder", ["class_or_none"], ["PredictedLabel"],
                        OnnxAttribute.Ints("keys_int64s", Enumerable.Range(0, classes.Count).Select(i => (long)i)),
                        OnnxAttribute.Strings("values_strings", classes), OnnxAttribute.String("default_string", ""));
                    g.AddOutput("PredictedLabel", OnnxType.String, ["batch"]);
                    break;
                }
            case RecurrentTask.BinaryClassification:
                g.AddInitializer("rows", [1], [-1L]);
                g.AddNode("Reshape", [head, "rows"], ["logit"]);
                g.AddNode("Where", [Missing, "nan", "logit"], ["Score"]);
                g.AddOutput("Score", OnnxType.Float, ["batch"]);
                g.AddNode("Sigmoid", ["Score"], ["Probability"]);
                g.AddOutput("Probability", OnnxType.Float, ["batch"]);
                g.AddInitializer("zero_f", [1], [0f]);
                g.AddNode("Greater", ["Score", "zero_f"], ["PredictedLabel"]);
                g.AddOutput("PredictedLabel", OnnxType.Bool, ["batch"]);
                break;
            default:
                g.AddInitializer("rows", [1], [-1L]);
                g.AddNode("Reshape", [head, "rows"], ["value_rows"]);
                g.AddNode("Where", [Missing, "nan", "value_rows"], ["Score"]);
                g.AddOutput("Score", OnnxType.Float, ["batch"]);
                break;
        }
    }
}
