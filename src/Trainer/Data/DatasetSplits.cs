namespace Recurrent.Trainer.Data;

/// <summary>
/// The datasets of one task. Validation and test sets, when present, share the training set's vocabulary,
/// labels and step width.
/// </summary>
/// <param name="Train">The training set.</param>
/// <param name="Validation">The validation set, or null when none was given, held out or generated.</param>
/// <param name="Test">The test set, or null when none was given or comes with the dataset.</param>
public sealed record DatasetSplits(SequenceDataset Train, SequenceDataset? Validation, SequenceDataset? Test);
