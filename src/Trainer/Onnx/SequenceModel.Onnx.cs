using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.Models;

// The ONNX face of the trained model, kept with the exporter: Models/ sits below Onnx/ (see README.md, "Folders and
// their dependencies"), and the public API keeps these methods on the model.
public sealed partial class SequenceModel
{
    /// <summary>
    /// Writes the model as ONNX (opset 17, IR 8) with the standard recurrent operators; inputs <c>input</c> and
    /// <c>sequence_lens</c>, outputs <c>logits</c> and <c>probabilities</c> (or <c>value</c> for regression), and the
    /// labels, vocabulary and options in the metadata.
    /// </summary>
    /// <remarks>
    /// A per-step model's outputs have a step axis: <c>logits</c> [batch, sequence, outputs] and so on, from the top
    /// layer's Y through one MatMul over every step.
    /// </remarks>
    public void ExportOnnx(string path) => OnnxModelWriter.WriteFile(path, SequenceModelOnnxExport.Build(this));

    /// <summary>
    /// Writes one step of a per-step model as ONNX with its state as inputs and outputs (<see cref="StepOnnxExport"/>),
    /// so ONNX Runtime can sample a language model token by token.
    /// </summary>
    public void ExportOnnxStep(string path) => OnnxModelWriter.WriteFile(path, StepOnnxExport.Build(this));
}
