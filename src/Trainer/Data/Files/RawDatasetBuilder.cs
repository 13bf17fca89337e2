namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Turns sequences read from files into datasets. The training file decides the vocabulary and the labels;
/// validation and test files are encoded with those, so all splits agree on ids and class indices.
/// </summary>
internal static class RawDatasetBuilder
{
    /// <summary>The training dataset: labels from <see cref="LabelMode"/>, vocabulary built from its tokens.</summary>
    public static SequenceDataset BuildTraining(RawFile file, DatasetOptions options)
    {
        var sequences = Truncate(file.Sequences, options);
        var labels = DecideLabels(file, options.LabelMode);
        var vocabulary = file.Kind == InputKind.Tokens
            ? Vocabulary.Build(sequences.Select(s => (IReadOnlyList<string>)s.Tokens!), options.VocabularyMaxSize,
                options.VocabularyMinCount)
            : null;
        return Encode(file.Path, sequences, file.Kind, file.Width, vocabulary, labels, file.Path);
    }

    /// <summary>
    /// A validation or test dataset encoded like <paramref name="training"/>: same vocabulary (unknown tokens
    /// become <see cref="Vocabulary.UnknownId"/>), same labels (an unseen class is an error), same step width.
    /// </summary>
    public static SequenceDataset EncodeLike(RawFile file, SequenceDataset training, DatasetOptions options)
    {
        var first = file.Sequences[0];
        if (file.Kind != training.InputKind)
            throw new DataFormatException(file.Path, first.Line, file.Kind == InputKind.Tokens ? "tokens" : "steps",
                $"this file has {Describe(file.Kind)} but the training data ({training.Name}) has " +
                Describe(training.InputKind));
        if (file.Kind == InputKind.Numeric && file.Width != training.FeatureCount)
            throw new DataFormatException(file.Path, first.Line, "steps",
                $"steps have {file.Width} values each but the training data ({training.Name}) has " +
                $"{training.FeatureCount}");
        return Encode(file.Path, Truncate(file.Sequences, options), file.Kind, file.Width, training.Vocabulary,
            training.Labels, training.Name);
    }

    private static string Describe(InputKind kind) => kind == InputKind.Tokens ? "tokens" : "numeric steps";

    private static IReadOnlyList<RawSequence> Truncate(IReadOnlyList<RawSequence> sequences, DatasetOptions options)
    {
        if (options.MaxLength is null)
            return sequences;
        return sequences.Select(s => s with
        {
            Tokens = s.Tokens is null ? null : SequenceTruncation.Keep(s.Tokens, 1, options.MaxLength, options.Truncation),
            Steps = s.Steps is null ? null : SequenceTruncation.Keep(s.Steps, s.Width, options.MaxLength, options.Truncation),
        }).ToArray();
    }

    private static LabelSet DecideLabels(RawFile file, LabelMode mode)
    {
        var regression = mode switch
        {
            LabelMode.Regression => true,
            LabelMode.Classification => false,
            _ => file.Sequences.All(s => s.Label.Number is not null) && file.Sequences.Any(s => s.Label.IsFractional),
        };
        if (regression)
            return LabelSet.Regression();
        var names = file.Sequences.Select(s => s.Label.Text).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
            throw new DataFormatException(file.Path, null, "label",
                $"every training label is '{names[0]}'; a classifier needs at least two classes");
        return LabelSet.FromObserved(names);
    }

    private static SequenceDataset Encode(string path, IReadOnlyList<RawSequence> sequences, InputKind kind,
        int width, Vocabulary? vocabulary, LabelSet labels, string trainingName)
    {
        var examples = new SequenceExample[sequences.Count];
        for (var i = 0; i < examples.Length; i++)
        {
            var sequence = sequences[i];
            if (sequence.Label.IsMissing)
            {
                // Unlabelled data to predict: a placeholder label that nothing reads.
                examples[i] = labels.IsRegression
                    ? kind == InputKind.Tokens
                        ? SequenceExample.FromTokens(EncodeTokens(vocabulary!, sequence.Tokens!), 0f)
                        : SequenceExample.FromSteps(sequence.Steps!, width, 0f)
                    : kind == InputKind.Tokens
                        ? SequenceExample.FromTokens(EncodeTokens(vocabulary!, sequence.Tokens!), 0)
                        : SequenceExample.FromSteps(sequence.Steps!, width, 0);
            }
            else if (labels.IsRegression)
            {
                var target = Target(path, sequence);
                examples[i] = kind == InputKind.Tokens
                    ? SequenceExample.FromTokens(EncodeTokens(vocabulary!, sequence.Tokens!), target)
                    : SequenceExample.FromSteps(sequence.Steps!, width, target);
            }
            else
            {
                var classIndex = labels.IndexOf(sequence.Label.Text);
                if (classIndex < 0)
                    throw new DataFormatException(path, sequence.Line, "label",
                        $"the label '{sequence.Label.Text}' does not occur in the training data ({trainingName})");
                examples[i] = kind == InputKind.Tokens
                    ? SequenceExample.FromTokens(EncodeTokens(vocabulary!, sequence.Tokens!), classIndex)
                    : SequenceExample.FromSteps(sequence.Steps!, width, classIndex);
            }
        }
        return new SequenceDataset(path, kind, kind == InputKind.Tokens ? 0 : width, vocabulary, labels, examples);
    }

    private static float Target(string path, RawSequence sequence)
    {
        if (sequence.Label.Number is not { } value)
            throw new DataFormatException(path, sequence.Line, "label",
                $"the label '{sequence.Label.Text}' is not a number, but this is a regression task");
        var target = (float)value;
        return float.IsFinite(target)
            ? target
            : throw new DataFormatException(path, sequence.Line, "label",
                $"the regression target {sequence.Label.Text} is not a finite 32-bit float");
    }

    // Data that literally contains the padding token must not become padding, which the engine masks out.
    private static int[] EncodeTokens(Vocabulary vocabulary, string[] tokens)
    {
        var ids = vocabulary.Encode(tokens);
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] == Vocabulary.PaddingId)
                ids[i] = Vocabulary.UnknownId;
        }
        return ids;
    }
}
