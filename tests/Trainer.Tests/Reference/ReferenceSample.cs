namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// One sequence and its label. The arrays may be longer than <see cref="Length"/> (padded to a batch's longest
/// sequence); the reference never reads past <see cref="Length"/>.
/// </summary>
public sealed record ReferenceSample
{
    /// <summary>Token ids, for token input.</summary>
    public int[]? TokenIds { get; init; }

    /// <summary>Steps[t][feature], for numeric input.</summary>
    public double[][]? Steps { get; init; }

    /// <summary>T_b when the arrays carry padding; null means the whole array is valid.</summary>
    public int? ValidLength { get; init; }

    /// <summary>The label for Binary (0 or 1) and MultiClass (0..C-1).</summary>
    public int ClassIndex { get; init; }

    /// <summary>The target for Regression.</summary>
    public double Target { get; init; }

    /// <summary>Per-step heads: the class of every step (Binary, MultiClass), −1 where a step has no label.</summary>
    public int[]? StepClasses { get; init; }

    /// <summary>Per-step heads: the target of every step (Regression), NaN where a step has no label.</summary>
    public double[]? StepTargets { get; init; }

    /// <summary>Whether step t carries a label (per-step heads).</summary>
    public bool IsLabelled(int t) => StepClasses is { } c ? c[t] >= 0 : StepTargets is { } y && !double.IsNaN(y[t]);

    /// <summary>T_b.</summary>
    public int Length => ValidLength ?? TokenIds?.Length ?? Steps?.Length ?? 0;

    public static ReferenceSample FromTokens(int[] tokenIds, int classIndex = 0, double target = 0, int? length = null) =>
        new() { TokenIds = tokenIds, ClassIndex = classIndex, Target = target, ValidLength = length };

    public static ReferenceSample FromSteps(double[][] steps, int classIndex = 0, double target = 0, int? length = null) =>
        new() { Steps = steps, ClassIndex = classIndex, Target = target, ValidLength = length };
}
