using Recurrent.Trainer.Layers;
using Recurrent.Trainer.MLNet;
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

    public string AddInputs(OnnxGraphBuilder g, SequenceModel model)
    {
        var shape = model.Network.Shape;
        OnnxDimension sequence = fixedLength is int length ? length : "sequence";
        string x;
        if (model.Network.Embedding is { } embedding)
        {
            g.AddInput(inputName, OnnxType.UInt32, [1, sequence]);
            g.AddNode("Cast", [inputName], ["keys"], OnnxAttribute.Int("to", (long)OnnxType.Int64));
            g.AddInitializer("key_to_id", [], [1L]);
            g.AddNode("Add", ["keys", "key_to_id"], ["ids"]);
            g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], embedding.Value);
            g.AddNode("Gather", ["embedding", "ids"], ["embedded"], OnnxAttribute.Int("axis", 0));
            x = "embedded";
        }
        else
        {
            g.AddInput(inputName, OnnxType.Float, [1, sequence, shape.InputWidth]);
            x = inputName;
        }
        // One unpadded sequence: its length is the input's second dimension.
        g.AddNode("Shape", [inputName], ["length64"], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        g.AddNode("Cast", ["length64"], [ClassifierOnnxExport.Lengths], OnnxAttribute.Int("to", (long)OnnxType.Int32));
        return x;
    }

    public void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        g.AddInitializer("flat", [1], [-1L]);
        switch (task)
        {
            case RecurrentTask.MulticlassClassification:
                if (model.Head == HeadKind.Binary)
                {
                    // Two classes train one logit for the second: probabilities = [1 − σ(z), σ(z)].
                    g.AddInitializer("one", [1], [1f]);
                    g.AddNode("Sigmoid", [head], ["positive"]);
                    g.AddNode("Sub", ["one", "positive"], ["negative"]);
                    g.AddNode("Concat", ["negative", "positive"], ["probabilities"], OnnxAttribute.Int("axis", 1));
                }
                else
                {
                    g.AddNode("Softmax", [head], ["probabilities"], OnnxAttribute.Int("axis", -1));
                }
                g.AddNode("Reshape", ["probabilities", "flat"], [Probabilities]);
                g.AddOutput(Probabilities, OnnxType.Float, [model.Labels.ClassCount]);
                // ArgMax keeps the first of equal maxima, as the engine's prediction does.
                g.AddNode("ArgMax", ["probabilities"], ["class_index"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
                g.AddInitializer("index_to_key", [], [1L]);
                g.AddNode("Add", ["class_index", "index_to_key"], ["class_key"]);
                g.AddNode("Cast", ["class_key"], [PredictedKey], OnnxAttribute.Int("to", (long)OnnxType.Float));
                g.AddOutput(PredictedKey, OnnxType.Float, [1]);
                for (var k = 0; perClassOutputs && k < model.Labels.ClassCount; k++)
                {
                    g.AddInitializer($"class{k}_index", [1], [(long)k]);
                    g.AddNode("Gather", [Probabilities, $"class{k}_index"], [ClassProbability(k)], OnnxAttribute.Int("axis", 0));
                    g.AddOutput(ClassProbability(k), OnnxType.Float, [1]);
                }
                break;
            case RecurrentTask.BinaryClassification:
                g.AddNode("Reshape", [head, "flat"], [Logit]);
                g.AddOutput(Logit, OnnxType.Float, [1]);
                break;
            default:
                g.AddNode("Reshape", [head, "flat"], [Value]);
                g.AddOutput(Value, OnnxType.Float, [1]);
                break;
        }
    }
}
