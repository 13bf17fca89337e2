using Microsoft.ML;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// What fixes an encoder–decoder's parameter shapes: the cell, the stack (the same L layers of H units on both
/// sides, so encoder layer ℓ's final state initialises decoder layer ℓ), the embeddings, and the two vocabularies.
/// The decoder reads <see cref="TargetSymbols"/> + 1 tokens (the symbols and the start token ⟨s⟩, the last id) and
/// its head scores as many classes (the symbols and the end token ⟨/s⟩, the last class).
/// </summary>
internal sealed record EncoderDecoderShape(
    RecurrentCellKind Cell,
    RecurrentActivation Activation,
    int Hidden,
    int Layers,
    bool UseBias,
    bool GruLinearBeforeReset,
    int EmbeddingSize,
    int SourceVocabulary,
    int TargetSymbols)
{
    /// <summary>The decoder's start token (input) and end class (output): both are the id after the symbols.</summary>
    public int Boundary => TargetSymbols;

    /// <summary>Classes of the decoder's head: the symbols and ⟨/s⟩.</summary>
    public int Outputs => TargetSymbols + 1;

    /// <summary>An error naming the first field out of range, or null.</summary>
    public string? Validate() =>
        Hidden < 1 ? "the hidden size must be at least 1"
        : Layers < 1 ? "an encoder–decoder needs at least one layer"
        : EmbeddingSize < 1 ? "the embedding size must be at least 1"
        : SourceVocabulary < 1 ? "the source vocabulary is empty"
        : TargetSymbols < 1 ? "the target vocabulary is empty"
        : null;
}
