using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tensors;

/// <summary>
/// A minibatch packed time-major: step t of every sequence is one row block, padded with zeros (or the padding
/// token) past each sequence's length. Buffers are reused from batch to batch.
/// </summary>
internal sealed class SequenceBatch
{
    private float[] _features = [];
    private int[] _tokens = [];

    public int Steps { get; private set; }

    public int Size { get; private set; }

    public int FeatureCount { get; private set; }

    public int[] Lengths { get; private set; } = [];

    public int[] ClassIndices { get; private set; } = [];

    public float[] Targets { get; private set; } = [];

    /// <summary>Numeric steps [Steps, Size, FeatureCount].</summary>
    public float[] Features => _features;

    /// <summary>Token ids [Steps, Size].</summary>
    public int[] Tokens => _tokens;

    public bool IsTokens { get; private set; }

    /// <summary>Packs the examples at the given indices.</summary>
    public void Fill(IReadOnlyList<SequenceExample> examples, ReadOnlySpan<int> indices, int featureCount)
    {
        var size = indices.Length;
        var steps = 0;
        foreach (var i in indices)
            steps = Math.Max(steps, examples[i].Length);
        Steps = steps;
        Size = size;
        FeatureCount = featureCount;
        if (Lengths.Length != size)
        {
            Lengths = new int[size];
            ClassIndices = new int[size];
            Targets = new float[size];
        }
        IsTokens = size > 0 && examples[indices[0]].TokenIds is not null;
        if (IsTokens)
        {
            if (_tokens.Length < steps * size)
                _tokens = new int[steps * size];
            Array.Clear(_tokens, 0, steps * size);
        }
        else
        {
            Workspace.Ensure(ref _features, steps * size * featureCount);
            Array.Clear(_features, 0, steps * size * featureCount);
        }
        for (var b = 0; b < size; b++)
        {
            var example = examples[indices[b]];
            Lengths[b] = example.Length;
            ClassIndices[b] = example.ClassIndex;
            Targets[b] = example.Target;
            for (var t = 0; t < example.Length; t++)
            {
                if (IsTokens)
                    _tokens[t * size + b] = example.TokenIds![t];
                else
                    example.Features.AsSpan(t * featureCount, featureCount)
                        .CopyTo(_features.AsSpan((t * size + b) * featureCount, featureCount));
            }
        }
    }
}
