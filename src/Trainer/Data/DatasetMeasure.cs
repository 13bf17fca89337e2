namespace Recurrent.Trainer.Data;

/// <summary>
/// The sizes <see cref="DatasetLoader.Load"/> would give a training file's splits, counted as the file streams by
/// (<see cref="DatasetLoader.Measure"/>): what a service needs to bound a run before it builds its data.
/// </summary>
/// <param name="InputKind">Token or numeric steps.</param>
/// <param name="FeatureCount">Floats per step for numeric data; 0 for tokens.</param>
/// <param name="TrainCount">Sequences of the training split (after any hold-out).</param>
/// <param name="EvaluationCount">Sequences of the validation and test splits together.</param>
/// <param name="TrainMaxLength">The training split's longest sequence, in steps.</param>
/// <param name="MaxLength">The longest sequence of any split, in steps.</param>
/// <param name="VocabularySize">The training vocabulary's size (with its padding and unknown tokens); 0 for numeric data.</param>
/// <param name="Labels">Classes or regression.</param>
/// <param name="PerStep">Whether every step is labelled rather than every sequence.</param>
internal sealed record DatasetMeasure(InputKind InputKind, int FeatureCount, int TrainCount, int EvaluationCount,
    int TrainMaxLength, int MaxLength, int VocabularySize, LabelSet Labels, bool PerStep);
