namespace Recurrent.Trainer.Data;

/// <summary>
/// What a training file decides without its examples (<see cref="DatasetLoader.Summarize"/>): the same kind, width,
/// count, longest length and labels <see cref="DatasetLoader.Load"/> gives its training set.
/// </summary>
/// <param name="Name">The file.</param>
/// <param name="InputKind">Token or numeric steps.</param>
/// <param name="FeatureCount">Floats per step for numeric data; 0 for tokens.</param>
/// <param name="Count">Number of sequences.</param>
/// <param name="MaxLength">The longest sequence's steps (after truncation, when the options truncate).</param>
/// <param name="Labels">Classes or regression.</param>
/// <param name="PerStep">Whether every step is labelled rather than every sequence.</param>
internal sealed record DatasetSummary(string Name, InputKind InputKind, int FeatureCount, int Count, int MaxLength,
    LabelSet Labels, bool PerStep);
