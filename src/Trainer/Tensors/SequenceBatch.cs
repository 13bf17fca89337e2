using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tensors;

/// <summary>
/// A minibatch packed time-major: step t of every sequence is one row block, padded with zeros (or the padding
/// token) past each sequence's length. Per-step labels are packed the same way, [Steps, Size], unlabelled past each
/// sequence's length. Buffers are reused from batch to batch.
/// </summary>
internal sealed class SequenceBatch
{
    private float[] _features = [];
    private int[] _tokens = [];
    private int[] _stepClasses = [];
    private float[] _stepTargets = [];

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

    /// <summary>Whether the examples carry a label per step (<see cref="StepClasses"/> or <see cref="StepTargets"/>).</summary>
    public bool PerStep { get; private set; }

    /// <summary>Per-step class indices [Steps, Size]; <see cref="SequenceExample.Unlabelled"/> on padding and unlabelled steps.</summary>
    public int[] StepClasses => _stepClasses;

    /// <summary>Per-step regression targets [Steps, Size]; NaN on padding and unlabelled steps.</summary>
    public float[] StepTargets => _stepTargets;

    /// <summary>Steps that carry a label (per-step batches): what a per-step loss is averaged over.</summary>
    public int LabelledSteps { get; private set; }

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
        PerStep = size > 0 && examples[indices[0]].IsPerStep;
        if (PerStep)
            FillStepLabels(examples, indices);
        else
            LabelledSteps = 0;
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

    private void FillStepLabels(IReadOnlyList<SequenceExample> examples, ReadOnlySpan<int> indices)
    {
        int steps = Steps, size = Size;
        var regression = examples[indices[0]].StepTargets is not null;
        if (regression)
        {
            Workspace.Ensure(ref _stepTargets, steps * size);
            _stepTargets.AsSpan(0, steps * size).Fill(float.NaN);
        }
        else
        {
            if (_stepClasses.Length < steps * size)
                _stepClasses = new int[steps * size];
            _stepClasses.AsSpan(0, steps * size).Fill(SequenceExample.Unlabelled);
        }
        var labelled = 0;
        for (var b = 0; b < size; b++)
        {
            var example = examples[indices[b]];
            for (var t = 0; t < example.Length; t++)
            {
                if (regression)
                {
                    var target = example.StepTargets![t];
                    _stepTargets[t * size + b] = target;
                    if (!float.IsNaN(target))
                        labelled++;
                }
                else
                {
                    var label = example.StepClassIndices![t];
                    _stepClasses[t * size + b] = label;
                    if (label != SequenceExample.Unlabelled)
                        labelled++;
                }
            }
        }
        LabelledSteps = labelled;
    }
}
