using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tensors;

/// <summary>
/// A minibatch of <see cref="SequencePair"/>s for an encoder–decoder, as two time-major batches: the sources, and
/// the decoder's teacher-forced inputs ⟨s⟩ y_1 … y_m labelled with the classes it must score, y_1 … y_m ⟨/s⟩
/// (m + 1 steps per pair). ⟨s⟩ and ⟨/s⟩ are both the id <paramref name="boundary"/>, one past the target symbols.
/// </summary>
internal sealed class PairBatch(int boundary)
{
    private SequenceExample[] _sources = [], _targets = [];
    private int[] _order = [];

    public SequenceBatch Source { get; } = new();

    public SequenceBatch Target { get; } = new();

    /// <summary>Packs the pairs at the given indices.</summary>
    public void Fill(IReadOnlyList<SequencePair> pairs, ReadOnlySpan<int> indices)
    {
        var size = indices.Length;
        if (_sources.Length < size)
        {
            _sources = new SequenceExample[size];
            _targets = new SequenceExample[size];
            _order = Enumerable.Range(0, size).ToArray();
        }
        for (var b = 0; b < size; b++)
        {
            var pair = pairs[indices[b]];
            _sources[b] = SequenceExample.FromTokens(pair.Source, 0);
            _targets[b] = SequenceExample.FromTokens([boundary, .. pair.Target], [.. pair.Target, boundary]);
        }
        Source.Fill(_sources, _order.AsSpan(0, size), 0);
        Target.Fill(_targets, _order.AsSpan(0, size), 0);
    }
}
