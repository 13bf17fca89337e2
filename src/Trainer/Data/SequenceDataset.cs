namespace Recurrent.Trainer.Data;

/// <summary>
/// Labelled sequences of one kind: all token sequences over one vocabulary, or all numeric sequences of one
/// feature width, all labelled from one <see cref="LabelSet"/>, all with one label per sequence or all with one
/// label per step.
/// </summary>
public sealed class SequenceDataset
{
    /// <summary>
    /// Creates a dataset and checks that every example fits its description; it has a label per step when its
    /// examples do (an empty dataset has one per sequence).
    /// </summary>
    public SequenceDataset(string name, InputKind inputKind, int featureCount, Vocabulary? vocabulary,
        LabelSet labels, IReadOnlyList<SequenceExample> examples)
        : this(name, inputKind, featureCount, vocabulary, labels, examples,
            examples is { Count: > 0 } && examples[0].IsPerStep)
    {
    }

    /// <summary>
    /// Creates a dataset with one label per sequence or, with <paramref name="perStep"/>, one label per step (what an
    /// empty dataset describing a model needs to say), and checks that every example fits its description.
    /// </summary>
    public SequenceDataset(string name, InputKind inputKind, int featureCount, Vocabulary? vocabulary,
        LabelSet labels, IReadOnlyList<SequenceExample> examples, bool perStep)
    {
        ArgumentNullException.ThrowIfNull(examples);
        PerStep = perStep;
        Name = name;
        InputKind = inputKind;
        FeatureCount = featureCount;
        Vocabulary = vocabulary;
        Labels = labels;
        Examples = examples;
        if (inputKind == InputKind.Tokens && vocabulary is null)
            throw new ArgumentException("Token sequences need a vocabulary.", nameof(vocabulary));
        if (inputKind == InputKind.Numeric && featureCount <= 0)
            throw new ArgumentException("Numeric sequences need a positive feature count.", nameof(featureCount));
        for (var i = 0; i < examples.Count; i++)
            Check(examples[i], i);
    }

    /// <summary>Where the data came from (a path or a built-in name).</summary>
    public string Name { get; }

    /// <summary>Token or numeric steps.</summary>
    public InputKind InputKind { get; }

    /// <summary>Floats per step for numeric sequences; 0 for token sequences.</summary>
    public int FeatureCount { get; }

    /// <summary>The vocabulary of token sequences (null for numeric sequences).</summary>
    public Vocabulary? Vocabulary { get; }

    /// <summary>The classes, or regression.</summary>
    public LabelSet Labels { get; }

    /// <summary>True when every sequence has a label per step (a per-step head); false for one label per sequence.</summary>
    public bool PerStep { get; }

    /// <summary>What a token stands for (token datasets): words, or characters for a character language model.</summary>
    public TokenUnit TokenUnit { get; init; }

    /// <summary>The sequences.</summary>
    public IReadOnlyList<SequenceExample> Examples { get; }

    /// <summary>Number of sequences.</summary>
    public int Count => Examples.Count;

    /// <summary>A dataset of the same kind holding the examples at the given indices.</summary>
    public SequenceDataset Subset(IEnumerable<int> indices, string? name = null) =>
        new(name ?? Name, InputKind, FeatureCount, Vocabulary, Labels, indices.Select(i => Examples[i]).ToArray(), PerStep)
        {
            TokenUnit = TokenUnit,
        };

    private void Check(SequenceExample example, int index)
    {
        if (InputKind == InputKind.Tokens)
        {
            if (example.TokenIds is null)
                throw new ArgumentException($"Example {index} has no tokens in a token dataset.");
            foreach (var id in example.TokenIds)
            {
                if ((uint)id >= (uint)Vocabulary!.Count)
                    throw new ArgumentException($"Example {index} has token id {id} outside the vocabulary.");
            }
        }
        else if (example.Features is null || example.Features.Length != example.Length * FeatureCount)
        {
            throw new ArgumentException($"Example {index} does not have {FeatureCount} features per step.");
        }
        if (example.IsPerStep != PerStep)
            throw new ArgumentException(PerStep
                ? $"Example {index} has one label for the sequence in a dataset with a label per step."
                : $"Example {index} has a label per step in a dataset with one label per sequence.");
        if (PerStep)
        {
            CheckSteps(example, index);
            return;
        }
        if (Labels.IsRegression != (example.ClassIndex < 0))
            throw new ArgumentException($"Example {index} is labelled for the wrong kind of task.");
        if (!Labels.IsRegression && example.ClassIndex >= Labels.ClassCount)
            throw new ArgumentException($"Example {index} has class index {example.ClassIndex} outside the labels.");
    }

    private void CheckSteps(SequenceExample example, int index)
    {
        if (Labels.IsRegression != (example.StepTargets is not null))
            throw new ArgumentException($"Example {index} is labelled for the wrong kind of task.");
        if (example.StepClassIndices is not { } classes)
            return;
        for (var t = 0; t < classes.Length; t++)
        {
            if (classes[t] < SequenceExample.Unlabelled || classes[t] >= Labels.ClassCount)
                throw new ArgumentException($"Example {index} has class index {classes[t]} at step {t}, outside the labels.");
        }
    }
}
