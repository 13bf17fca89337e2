namespace Recurrent.Trainer.Data.Files;

/// <summary>One sequence as read from a file: tokens or numeric steps, its label (or labels), and where it was.</summary>
/// <param name="Tokens">The tokens (null for numeric sequences).</param>
/// <param name="Steps">Numeric steps, row-major [steps, width] (null for token sequences).</param>
/// <param name="Width">Floats per step for numeric sequences; 0 for tokens.</param>
/// <param name="Label">The label as read (<see cref="RawLabel.Missing"/> for a sequence labelled per step).</param>
/// <param name="Line">The 1-based line where the record starts.</param>
internal sealed record RawSequence(string[]? Tokens, float[]? Steps, int Width, RawLabel Label, long Line)
{
    /// <summary>Number of steps.</summary>
    public int Length => Tokens?.Length ?? Steps!.Length / Width;

    /// <summary>
    /// One label per step (<see cref="RawLabel.Missing"/> for a step without one), or null for a sequence with one
    /// label (or, in data to predict, none).
    /// </summary>
    public RawLabel[]? StepLabels { get; init; }

    /// <summary>The line of every step, for files with a step per line (CoNLL); null when the record is one line.</summary>
    public long[]? StepLines { get; init; }

    /// <summary>Where step <paramref name="t"/>'s label was: its line and field, for error messages.</summary>
    public (long Line, string Field) StepLabelAt(int t) =>
        StepLines is { } lines ? (lines[t], "label") : (Line, $"labels[{t}]");
}
