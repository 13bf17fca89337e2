using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>The class probabilities from the head's logits, as every boundary of a classifier writes them.</summary>
internal static class ClassProbabilities
{
    /// <summary>Defines <c>probabilities</c> [batch, classes] in label order from <paramref name="head"/>.</summary>
    public static void Add(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        if (model.Head == HeadKind.Binary)
        {
            // One logit for the second class; probabilities = [1 − σ(z), σ(z)] in label order.
            g.AddInitializer("one", [1], [1f]);
            g.AddNode("Sigmoid", [head], ["positive"]);
            g.AddNode("Sub", ["one", "positive"], ["negative"]);
            g.AddNode("Concat", ["negative", "positive"], ["probabilities"], OnnxAttribute.Int("axis", 1));
        }
        else
        {
            g.AddNode("Softmax", [head], ["probabilities"], OnnxAttribute.Int("axis", -1));
        }
    }
}
