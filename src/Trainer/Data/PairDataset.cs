using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Trainer.Data;

/// <summary>
/// The examples of an encoder–decoder: <see cref="SequencePair"/>s with the names of their source and target
/// symbols (ids index these lists).
/// </summary>
internal sealed record PairDataset(string Name, IReadOnlyList<string> SourceSymbols, IReadOnlyList<string> TargetSymbols,
    IReadOnlyList<SequencePair> Pairs)
{
    public int Count => Pairs.Count;

    /// <summary>Whether <paramref name="spec"/> names an encoder–decoder task (<c>reverse:N</c>).</summary>
    public static bool IsPairTask(string spec) => spec.StartsWith("reverse:", StringComparison.Ordinal);

    /// <summary>
    /// The splits of a built-in task: <c>reverse:N</c> with <paramref name="count"/> training pairs (default
    /// <see cref="DatasetLoader.DefaultSyntheticCount"/>) and a fifth as many validation and test pairs (or
    /// <paramref name="evaluationCount"/>), each from its own stream of <paramref name="seed"/>.
    /// </summary>
    public static (PairDataset Train, PairDataset Validation, PairDataset Test) LoadTask(string spec, int seed,
        int? count = null, int? evaluationCount = null)
    {
        if (!IsPairTask(spec) || !int.TryParse(spec.AsSpan("reverse:".Length), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var length) || length is < 1 or > ReverseTask.MaxLength)
            throw new ArgumentException($"'{spec}': expected reverse:N with N from 1 to {ReverseTask.MaxLength}.");
        var train = count ?? DatasetLoader.DefaultSyntheticCount;
        if (train < 1)
            throw new ArgumentException($"'{spec}': the count must be at least 1, not {train}.");
        var evaluation = evaluationCount ?? Math.Max(1, train / 5);
        if (evaluation < 1)
            throw new ArgumentException($"'{spec}': the evaluation count must be at least 1, not {evaluation}.");
        PairDataset Split(ulong stream, int n, string part) => new($"{spec} ({part})", ReverseTask.Symbols, ReverseTask.Symbols,
            ReverseTask.Generate(length, n, DeterministicRandom.DeriveSeed((ulong)seed, stream)));
        return (Split(0, train, "train"), Split(1, evaluation, "validation"), Split(2, evaluation, "test"));
    }
}
