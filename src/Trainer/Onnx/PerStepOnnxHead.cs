using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// A per-step head in standard operators: the top layer's outputs [T, B, nd·H] (its operator's Y with the directions
/// side by side) turned batch-first, then one MatMul with Wᵀ and an Add of b over every step, and Softmax (or
/// Sigmoid) on the last axis. Outputs <c>logits</c> [batch, sequence, outputs] and <c>probabilities</c>
/// [batch, sequence, classes] in label order, or <c>value</c> [batch, sequence, 1] for regression.
/// </summary>
internal static class PerStepOnnxHead
{
    /// <summary>Adds the head over <paramref name="steps"/>, time-major [T, B, nd·H], and the graph's outputs.</summary>
    public static void Add(OnnxGraphBuilder g, SequenceModel model, IOnnxModelBoundary boundary, string steps)
    {
        if (boundary is not StandardOnnxBoundary)
            throw new NotSupportedException("A per-step model is exported with the standard inputs and outputs only.");
        g.AddNode("Transpose", [steps], ["step_features"], OnnxAttribute.Ints("perm", 1, 0, 2));
        var logits = model.Head == HeadKind.Regression ? "value" : "logits";
        AddLinear(g, model.Network.Head, "step_features", logits);
        g.AddOutput(logits, OnnxType.Float, ["batch", "sequence", model.Network.Head.Outputs]);
        AddProbabilities(g, model, logits, ["batch", "sequence"]);
    }

    /// <summary><paramref name="output"/> = <paramref name="input"/> · Wᵀ + b on the last axis (MatMul, then Add).</summary>
    public static void AddLinear(OnnxGraphBuilder g, OutputHead head, string input, string output)
    {
        var transposed = new float[head.InputSize * head.Outputs];
        for (var o = 0; o < head.Outputs; o++)
        {
            for (var j = 0; j < head.InputSize; j++)
                transposed[j * head.Outputs + o] = head.Weights.Value[o * head.InputSize + j];
        }
        g.AddInitializer("head_W_T", [head.InputSize, head.Outputs], transposed);
        if (head.Bias is not { } bias)
        {
            g.AddNode("MatMul", [input, "head_W_T"], [output]);
            return;
        }
        g.AddInitializer("head_b", [head.Outputs], bias.Value);
        g.AddNode("MatMul", [input, "head_W_T"], ["head_product"]);
        g.AddNode("Add", ["head_product", "head_b"], [output]);
    }

    /// <summary>
    /// <c>probabilities</c> from the logits of a classifier, on the last axis: Softmax, or [1 − σ(z), σ(z)] for two
    /// classes; nothing for regression. <paramref name="leading"/> names the dimensions before the classes.
    /// </summary>
    public static void AddProbabilities(OnnxGraphBuilder g, SequenceModel model, string logits,
        IReadOnlyList<OnnxDimension> leading)
    {
        switch (model.Head)
        {
            case HeadKind.MultiClass:
                g.AddNode("Softmax", [logits], ["probabilities"], OnnxAttribute.Int("axis", -1));
                g.AddOutput("probabilities", OnnxType.Float, [.. leading, model.Labels.ClassCount]);
                break;
            case HeadKind.Binary:
                g.AddInitializer("one", [1], [1f]);
                g.AddNode("Sigmoid", [logits], ["positive"]);
                g.AddNode("Sub", ["one", "positive"], ["negative"]);
                g.AddNode("Concat", ["negative", "positive"], ["probabilities"], OnnxAttribute.Int("axis", -1));
                g.AddOutput("probabilities", OnnxType.Float, [.. leading, 2]);
                break;
        }
    }
}
