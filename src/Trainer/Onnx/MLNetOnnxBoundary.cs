using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The boundary of the graph inside an ML.NET model: ML.NET's OnnxTransformer feeds one row per call, so the
/// batch is always 1 and never padded, and the graph needs no <c>sequence_lens</c> input (it computes it from
/// the input's shape). Token input is the ML.NET key column itself (uint32 [1, sequence], key 0 = missing): the
/// graph adds 1 to make it an id, because the vocabulary is the key's values after <c>&lt;pad&gt;</c> and
/// <c>&lt;unk&gt;</c> (id = key + 1, so a missing key becomes <c>&lt;unk&gt;</c>). Outputs are flat vectors,
/// since OnnxTransformer 5 reads only tensors with a shape. A column of fixed length needs that length in the
/// input's shape (OnnxTransformer sizes the tensor from the declared shape), a variable one a symbolic dimension.
/// </summary>
internal sealed class MLNetOnnxBoundary(string inputName, RecurrentTask task, int? fixedLength = null, bool perClassOutputs = false)
    : IOnnxModelBoundary
{
    /// <summary>Multi-class: the class probabilities, float [classes].</summary>
    public const string Probabilities = "Recurrent.Probabilities";

    /// <summary>Multi-class: the predicted class as an ML.NET key (index + 1), float [1].</summary>
    public const string PredictedKey = "Recurrent.PredictedKey";

    /// <summary>Multi-class, with per-class outputs: the probability of class <paramref name="k"/>, float [1].</summary>
    public static string ClassProbability(int k) => $"Recurrent.Class{k}";

    /// <summary>Binary: the logit of the second class (ML.NET's raw Score), float [1].</summary>
    public const string Logit = "Recurrent.Logit";

    /// <summary>Regression: the predicted value, float [1].</summary>
    public const string Value = "Recurrent.Value";

    public string DocString => "Recurrent sequence model for ML.NET's OnnxTransformer: one row per call.";

    public string InputsDescription =>
        $"{inputName}: the ML.NET column itself, one row per call: uint32 keys [1, sequence] or float steps [1, sequence, features]";

    public string TokenizerDescription =>
        $"none in this graph: its input is ML.NET's key column '{inputName}' (id = key + 1, so key 0, a word the key does not know, is <unk>)";

    public string AddInputs(OnnxGraphBuilder g, SequenceModel model)
    {
        var shape = model.Network.Shape;
        OnnxDimension sequence = fixedLength is int length ? length : "sequence";
        // One unpadded sequence: its length is the input's second dimension. An empty one is a missing value (as in
        // training): it runs as one <pad> step, so the operators see a valid length, and its outputs become NaN.
        g.AddNode("Shape", [inputName], ["length64"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        g.AddInitializer("zero_i64", [1], [0L]);
        g.AddInitializer("one_i64", [1], [1L]);
        g.AddNode("Equal", ["length64", "zero_i64"], ["empty"]);
        g.AddNode("Cast", ["empty"], ["pad_steps"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        string x;
        if (model.Network.Embedding is { } embedding)
        {
            g.AddInput(inputName, OnnxType.UInt32, [1, sequence]);
            g.AddNode("Cast", [inputName], ["keys"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
            g.AddInitializer("key_to_id", [], [1L]);
            g.AddNode("Add", ["keys", "key_to_id"], ["ids"]);
            g.AddNode("Concat", ["zero_i64", "zero_i64", "zero_i64", "pad_steps"], ["ids_pads"], OnnxAttribute.Int("axis", 0));
            g.AddNode("Pad", ["ids", "ids_pads"], ["ids_padded"]);
            g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], embedding.Value);
            g.AddNode("Gather", ["embedding", "ids_padded"], ["embedded"], OnnxAttribute.Int("axis", 0));
            x = "embedded";
            g.AddNode("Identity", ["empty"], [Missing]);
        }
        else
        {
            g.AddInput(inputName, OnnxType.Float, [1, sequence, shape.InputWidth]);
            g.AddNode("Concat", ["zero_i64", "zero_i64", "zero_i64", "zero_i64", "pad_steps", "zero_i64"], ["steps_pads"],
                OnnxAttribute.Int("axis", 0));
            g.AddNode("Pad", [inputName, "steps_pads"], ["steps_padded"]);
            x = "steps_padded";
            // NaN or ±Inf anywhere in the row is a missing value, as in training (the row would have been skipped).
            g.AddNode("IsNaN", [inputName], ["is_nan"]);
            g.AddNode("IsInf", [inputName], ["is_inf"]);
            g.AddNode("Or", ["is_nan", "is_inf"], ["not_finite"]);
            g.AddNode("Cast", ["not_finite"], ["not_finite_f"], OnnxAttribute.Int("to", (long)OnnxType.Float));
            g.AddInitializer("flat_all", [1], [-1L]);
            g.AddNode("Reshape", ["not_finite_f", "flat_all"], ["not_finite_flat"]);
            g.AddInitializer("zero_f", [1], [0f]);
            g.AddNode("Concat", ["not_finite_flat", "zero_f"], ["not_finite_or_zero"], OnnxAttribute.Int("axis", 0));
            g.AddNode("ReduceMax", ["not_finite_or_zero"], ["any_not_finite_f"], OnnxAttribute.Int("keepdims", 1));
            g.AddNode("Greater", ["any_not_finite_f", "zero_f"], ["any_not_finite"]);
            g.AddNode("Or", ["empty", "any_not_finite"], [Missing]);
        }
        g.AddNode("Max", ["length64", "one_i64"], ["length_at_least_one"]);
        g.AddNode("Cast", ["length_at_least_one"], [SequenceModelOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        return x;
    }

    // True when the row's value is missing: its outputs are NaN and its predicted key 0 (missing), as ML.NET gives.
    private const string Missing = "missing";

    public void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        g.AddInitializer("flat", [1], [-1L]);
        g.AddInitializer("nan", [1], [float.NaN]);
        switch (task)
        {
            case RecurrentTask.MulticlassClassification:
                ClassProbabilities.Add(g, model, head);
                g.AddNode("Where", [Missing, "nan", "probabilities"], ["probabilities_or_nan"]);
                g.AddNode("Reshape", ["probabilities_or_nan", "flat"], [Probabilities]);
                g.AddOutput(Probabilities, OnnxType.Float, [model.Labels.ClassCount]);
                // ArgMax keeps the first of equal maxima, as the engine's prediction does.
                g.AddNode("ArgMax", ["probabilities"], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
                g.AddInitializer("index_to_key", [], [1L]);
                g.AddNode("Add", ["class_index", "index_to_key"], ["class_key"]);
                g.AddNode("Where", [Missing, "zero_i64", "class_key"], ["class_key_or_missing"]);
                g.AddNode("Cast", ["class_key_or_missing"], [PredictedKey], OnnxAttribute.Int("to", (long)OnnxType.Float));
                g.AddOutput(PredictedKey, OnnxType.Float, [1]);
                for (var k = 0; perClassOutputs && k < model.Labels.ClassCount; k++)
                {
                    g.AddInitializer($"class{k}_index", [1], [(long)k]);
                    g.AddNode("Gather", [Probabilities, $"class{k}_index"], [ClassProbability(k)], OnnxAttribute.Int("axis", 0));
                    g.AddOutput(ClassProbability(k), OnnxType.Float, [1]);
                }
                break;
            case RecurrentTask.BinaryClassification:
                g.AddNode("Where", [Missing, "nan", head], ["logit_or_nan"]);
                g.AddNode("Reshape", ["logit_or_nan", "flat"], [Logit]);
                g.AddOutput(Logit, OnnxType.Float, [1]);
                break;
            default:
                g.AddNode("Where", [Missing, "nan", head], ["value_or_nan"]);
                g.AddNode("Reshape", ["value_or_nan", "flat"], [Value]);
                g.AddOutput(Value, OnnxType.Float, [1]);
                break;
        }
    }
}
