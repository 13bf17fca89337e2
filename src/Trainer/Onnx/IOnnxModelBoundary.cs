using Recurrent.Trainer.Models;
namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Where an exported graph meets its caller: which inputs it takes (and how they become the first layer's
/// batch-major steps) and which outputs it gives. The recurrent layers and the head in between are the same for
/// every boundary.
/// </summary>
internal interface IOnnxModelBoundary
{
    /// <summary>The graph's description.</summary>
    string DocString { get; }

    /// <summary>What the graph's inputs are, for the <c>recurrent.inputs</c> metadata.</summary>
    string InputsDescription { get; }

    /// <summary>How text becomes the graph's token ids, for the <c>recurrent.tokenizer</c> metadata: true for this graph.</summary>
    string TokenizerDescription { get; }

    /// <summary>The default domain's opset the graph needs.</summary>
    long OpsetVersion => 17;

    /// <summary>Other operator sets the graph uses.</summary>
    IReadOnlyList<KeyValuePair<string, long>> ExtraOpsets => [];

    /// <summary>
    /// Declares the inputs, adds the embedding when the model has one, and defines
    /// <see cref="SequenceModelOnnxExport.Lengths"/> (an input or a computed value) for the recurrent operators.
    /// </summary>
    /// <returns>The name of the steps, float [batch, sequence, width].</returns>
    string AddInputs(OnnxGraphBuilder g, SequenceModel model);

    /// <summary>Declares the outputs from the head's result <paramref name="head"/>, float [batch, outputs].</summary>
    void AddOutputs(OnnxGraphBuilder g, SequenceModel model, string head);
}
