namespace Recurrent.Trainer.Data.Files;

/// <summary>One sequence as read from a file: tokens or numeric steps, its label, and where it was.</summary>
/// <param name="Tokens">The tokens (null for numeric sequences).</param>
/// <param name="Steps">Numeric steps, row-major [steps, width] (null for token sequences).</param>
/// <param name="Width">Floats per step for numeric sequences; 0 for tokens.</param>
/// <param name="Label">The label as read.</param>
/// <param name="Line">The 1-based line where the record starts.</param>
internal sealed record RawSequence(string[]? Tokens, float[]? Steps, int Width, RawLabel Label, long Line)
{
    /// <summary>Number of steps.</summary>
    public int Length => Tokens?.Length ?? Steps!.Length / Width;
}
