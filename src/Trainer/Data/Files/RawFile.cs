namespace Recurrent.Trainer.Data.Files;

/// <summary>All sequences of one file, checked to be of one kind and one step width.</summary>
/// <param name="Path">The file they came from.</param>
/// <param name="Kind">Token or numeric steps.</param>
/// <param name="Width">Floats per step for numeric sequences; 0 for tokens.</param>
/// <param name="Sequences">The sequences in file order.</param>
internal sealed record RawFile(string Path, InputKind Kind, int Width, IReadOnlyList<RawSequence> Sequences)
{
    /// <summary>Whether the file labels every step (<see cref="RawSequence.StepLabels"/>) rather than every sequence.</summary>
    public bool PerStep { get; init; }

    /// <summary>What a token stands for.</summary>
    public TokenUnit TokenUnit { get; init; }
}
