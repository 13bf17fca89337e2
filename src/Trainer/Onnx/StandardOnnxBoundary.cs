using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The standard file's boundary: <c>input</c> (int64 token ids [batch, sequence] or float steps
/// [batch, sequence, features]) and <c>sequence_lens</c> (int32 [batch]) in; <c>logits</c> and
/// <c>probabilities</c> (or <c>value</c>) out.
/// </summary>
internal sealed class StandardOnnxBoundary(string tokenizer) : IOnnxModelBoundary
{
    /// <summary>The boundary of a model trained from the engine's own datasets (the CLI, the service, the library).</summary>
    public static readonly StandardOnnxBoundary Instance = new(
        "the tokens as the training data had them (a CSV's text lowercased and split into maximal runs of letters, digits " +
        "and combining marks; a JSONL file's tokens as given), encoded with recurrent.vocabulary: id 0 = <pad>, id 1 = <unk>");

    public string DocString => "Recurrent sequence classifier; batch-first input with per-sequence lengths.";

    public string InputsDescription =>
        "input: int64 token ids [batch, sequence] or float steps [batch, sequence, features]; sequence_lens: int32 [batch]";

    public string TokenizerDescription => tokenizer;

    public string AddInputs(OnnxGraphBuilder g, SequenceModel model)
    {
        var shape = model.Network.Shape;
        string x;
        if (model.Network.Embedding is { } embedding)
        {
            g.AddInput(SequenceModelOnnxExport.Input, OnnxType.Int64, ["batch", "sequence"]);
            g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], embedding.Value);
            g.AddNode("Gather", ["embedding", SequenceModelOnnxExport.Input], ["embedded"], OnnxAttribute.Int("axis", 0));
            x = "embedded";
        }
        else
        {
            g.AddInput(SequenceModelOnnxExport.Input, OnnxType.Float, ["batch", "sequence", shape.InputWidth]);
            x = SequenceModelOnnxExport.Input;
        }
        g.AddInput(SequenceModelOnnxExport.Lengths, OnnxType.Int32, ["batch"]);
        return x;
    }

    public void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head)
    {
        g.AddOutput(head, OnnxType.Float, ["batch", model.Network.Head.Outputs]);
        if (model.Head == HeadKind.Regression)
            return;
        ClassProbabilities.Add(g, model, head);
        g.AddOutput("probabilities", OnnxType.Float, ["batch", model.Labels.ClassCount]);
    }
}
