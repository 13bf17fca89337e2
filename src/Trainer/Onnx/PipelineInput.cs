namespace Recurrent.Trainer.Onnx;

/// <summary>
/// The featurisation of an ML.NET pipeline in front of the trainer, in the terms standard ONNX operators can run.
/// </summary>
internal abstract record PipelineInput(string Column)
{
    /// <summary>
    /// Raw text in <see cref="PipelineInput.Column"/>: optionally lowercased (NormalizeText), split on one separator
    /// with empty tokens dropped (TokenizeIntoWords), and looked up in <paramref name="KeyValues"/> (MapValueToKey:
    /// key k is KeyValues[k − 1]; anything else is missing, key 0).
    /// </summary>
    public sealed record Text(string Column, bool Lowercase, char Separator, IReadOnlyList<string> KeyValues, string PipelineSteps)
        : PipelineInput(Column);

    /// <summary>A Single vector in <see cref="PipelineInput.Column"/>, read as steps of <paramref name="FeaturesPerStep"/> values.</summary>
    public sealed record Steps(string Column, int FeaturesPerStep) : PipelineInput(Column);
}
