namespace Recurrent.Trainer.Data;

/// <summary>
/// One example of an encoder–decoder: a source sequence and its target, as symbol ids of their two vocabularies
/// (no start or end token: the model adds them). The lengths may differ; neither may be empty.
/// </summary>
internal sealed record SequencePair(int[] Source, int[] Target);
