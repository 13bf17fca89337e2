using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The standard file's boundary: <c>input</c> (int64 token ids [batch, sequence] or float steps
/// [batch, sequence, features]) and <c>sequence_lens</c> (int32 [batch]) in; <c>logits</c> and
/// <c>probabilities</c> (or <c>value</c>) out.
/// </summary>
internal sealed class StandardOnnxBoundary : IOnnxModelBoundary
{
    public static readonly StandardOnnxBoundary Instance = new();

    public string DocString => "Recurrent sequence classifier; batch-first input with per-sequence lengths.";

    public string AddInputs(OnnxGraphBuilder g, SequenceModel model)
    {
        var shape = model.Network.Shape;
        string x;
        if (model.Network.Embedding is { } embedding)
        {
            g.AddInput(ClassifierOnnxExport.Input, OnnxType.Int64, ["batch", "sequence"]);
            g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], embedding.Value);
            g.AddNode("Gather", ["embedding", ClassifierOnnxExport.Input], ["embedded"], OnnxAttribute.Int("axis", 0));
            x = "embedded";
        }
        else
        {
            g.AddInput(ClassifierOnnxExport.Input, OnnxType.Float, ["batch", "sequence", shape.InputWidth]);
            x = ClassifierOnnxExport.Input;
        }
        g.AddInput(ClassifierOnnxExport.Lengths, OnnxType.Int32, ["batch"]);
        return x;
    }

    public void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        g.AddOutput(head, OnnxType.Float, ["batch", model.Network.Head.Outputs]);
        switch (model.Head)
        {
            case HeadKind.MultiClass:
                g.AddNode("Softmax", [head], ["probabilities"], OnnxAttribute.Int("axis", -1));
                g.AddOutput("probabilities", OnnxType.Float, ["batch", model.Labels.ClassCount]);
                break;
            case HeadKind.Binary:
                // One logit for the second class; probabilities = [1 − σ(z), σ(z)] in label order.
                g.AddInitializer("one", [1], [1f]);
                g.AddNode("Sigmoid", [head], ["positive"]);
                g.AddNode("Sub", ["one", "positive"], ["negative"]);
                g.AddNode("Concat", ["negative", "positive"], ["probabilities"], OnnxAttribute.Int("axis", 1));
                g.AddOutput("probabilities", OnnxType.Float, ["batch", 2]);
                break;
        }
    }
}
