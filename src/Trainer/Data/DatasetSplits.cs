namespace Recurrent.Trainer.Data;

/// <summary>
/// The datasets of one task. Validation and test sets, when present, share the training set's vocabulary,
/// labels and step width.
/// </summary>
/// <param name="Train">The training set.</param>
/// <param name="Validation">The validation set, or null when none was given, held out or generated.</param>
/// <param name="Test">The test set, or null when none was given or comes with the dataset.</param>
public sealed record DatasetSplits(SequenceDataset Train, SequenceDataset? Validation, SequenceDataset? Test)
{
    /// <summary>
    /// The loss a model with nothing learnt about the task's structure reaches, to report beside results (the copy
    /// task's memoryless strategy, a character model's unigram distribution); null when the task has none.
    /// </summary>
    public TaskBaseline? Baseline { get; init; }
}

/// <summary>A reference loss of a task, in the units of a per-step softmax head's loss.</summary>
/// <param name="Name">What reaches it, in a few words.</param>
/// <param name="CrossEntropy">Mean cross-entropy per labelled step, in nats (as the model's loss).</param>
public sealed record TaskBaseline(string Name, double CrossEntropy)
{
    /// <summary>The same in bits per step (per character for a character language model).</summary>
    public double Bits => CrossEntropy / Math.Log(2);
}
