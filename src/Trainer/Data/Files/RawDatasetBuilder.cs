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
        return Encode(file.Path, sequences, file.Kind, file.Width, vocabulary, labels, file.Path, file.PerStep,
            file.TokenUnit);
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
        if (file.PerStep && !training.PerStep)
            throw new DataFormatException(file.Path, first.Line, "labels",
                $"this file has a label per step but the training data ({training.Name}) has one label per sequence");
        var labelled = file.Sequences.FirstOrDefault(s => !s.Label.IsMissing);
        if (training.PerStep && labelled is not null)
            throw new DataFormatException(file.Path, labelled.Line, "label",
                $"this file has one label per sequence but the training data ({training.Name}) has a label per step");
        return Encode(file.Path, Truncate(file.Sequences, options), file.Kind, file.Width, training.Vocabulary,
            training.Labels, training.Name, training.PerStep, training.TokenUnit);
    }

    /// <summary>
    /// What <see cref="BuildTraining"/> would decide for the sequences <paramref name="read"/> streams (their kind,
    /// width, count, longest length and labels), with the same errors in the same order, holding one sequence at a
    /// time: memory is O(record) plus the distinct class names, never O(file). <paramref name="read"/> is called
    /// once, or twice when regression looked likely until a late label that is not a number (the names are then
    /// collected on a second pass rather than kept for every numeric label).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="read">Streams the file's sequences.</param>
    /// <param name="options">The options loading would use.</param>
    /// <param name="observe">Called with each sequence of the first pass as loading would keep it (truncated).</param>
    public static DatasetSummary Summarize(string path, Func<RawFileShape, IEnumerable<RawSequence>> read, DatasetOptions options,
        Action<RawSequence>? observe = null)
    {
        var shape = new RawFileShape();
        var mode = options.LabelMode;
        var count = 0;
        var longest = 0;
        bool anyLabel = false, allNumbers = true, anyFractional = false;
        var names = mode == LabelMode.Regression ? null : new HashSet<string>(StringComparer.Ordinal);
        var namesComplete = names is not null;
        string? firstName = null;
        DataFormatException? firstBadTarget = null;
        // As BuildTraining does, labels are decided on the sequences as read and checked as targets once truncated.
        foreach (var raw in read(shape))
        {
            var sequence = Truncate(raw, options);
            observe?.Invoke(sequence);
            count++;
            longest = Math.Max(longest, sequence.Length);
            if (shape.PerStep)
            {
                foreach (var label in raw.StepLabels!)
                {
                    if (!label.IsMissing)
                        Observe(label);
                }
                var stepLabels = sequence.StepLabels!;
                for (var t = 0; firstBadTarget is null && t < stepLabels.Length; t++)
                {
                    if (!stepLabels[t].IsMissing && BadTarget(stepLabels[t]) is { } problem)
                    {
                        var (line, field) = sequence.StepLabelAt(t);
                        firstBadTarget = new DataFormatException(path, line, field, problem);
                    }
                }
            }
            else
            {
                Observe(sequence.Label);
                if (firstBadTarget is null && !sequence.Label.IsMissing && BadTarget(sequence.Label) is { } problem)
                    firstBadTarget = new DataFormatException(path, sequence.Line, "label", problem);
            }
        }
        if (!anyLabel)
            throw new DataFormatException(path, null, "labels", "no step has a label (every label is null)");
        var regression = mode switch
        {
            LabelMode.Regression => true,
            LabelMode.Classification => false,
            _ => allNumbers && anyFractional,
        };
        LabelSet labels;
        if (regression)
        {
            if (firstBadTarget is not null)
                throw firstBadTarget;
            labels = LabelSet.Regression();
        }
        else
        {
            if (!namesComplete)
                names = CollectNames(read, shape.PerStep);
            if (names!.Count < 2)
                throw new DataFormatException(path, null, shape.PerStep ? "labels" : "label",
                    $"every training label is '{firstName}'; a classifier needs at least two classes");
            labels = LabelSet.FromObserved(names);
        }
        var kind = shape.Kind!.Value;
        return new DatasetSummary(path, kind, kind == InputKind.Tokens ? 0 : shape.Width, count, longest, labels, shape.PerStep);

        void Observe(RawLabel label)
        {
            anyLabel = true;
            firstName ??= label.Text;
            allNumbers &= label.Number is not null;
            anyFractional |= label.IsFractional;
            // In Auto mode, numbers with a fraction so far mean regression unless a name comes later: stop keeping
            // names (one per distinct target could be one per record); a late name brings a second pass.
            if (names is not null && mode == LabelMode.Auto && allNumbers && anyFractional)
            {
                names = null;
                namesComplete = false;
            }
            names?.Add(label.Text);
        }
    }

    private static HashSet<string> CollectNames(Func<RawFileShape, IEnumerable<RawSequence>> read, bool perStep)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sequence in read(new RawFileShape()))
        {
            if (!perStep)
            {
                names.Add(sequence.Label.Text);
                continue;
            }
            foreach (var label in sequence.StepLabels!)
            {
                if (!label.IsMissing)
                    names.Add(label.Text);
            }
        }
        return names;
    }

    // The error Target or StepTarget would raise for this label as a regression target, or null.
    private static string? BadTarget(RawLabel label) =>
        label.Number is not { } value
            ? $"the label '{label.Text}' is not a number, but this is a regression task"
            : float.IsFinite((float)value)
                ? null
                : $"the regression target {label.Text} is not a finite 32-bit float";

    private static string Describe(InputKind kind) => kind == InputKind.Tokens ? "tokens" : "numeric steps";

    private static IReadOnlyList<RawSequence> Truncate(IReadOnlyList<RawSequence> sequences, DatasetOptions options) =>
        options.MaxLength is null ? sequences : sequences.Select(s => Truncate(s, options)).ToArray();

    private static RawSequence Truncate(RawSequence s, DatasetOptions options) =>
        options.MaxLength is null
            ? s
            : s with
            {
                Tokens = s.Tokens is null ? null : SequenceTruncation.Keep(s.Tokens, 1, options.MaxLength, options.Truncation),
                Steps = s.Steps is null ? null : SequenceTruncation.Keep(s.Steps, s.Width, options.MaxLength, options.Truncation),
                StepLabels = s.StepLabels is null ? null : SequenceTruncation.Keep(s.StepLabels, 1, options.MaxLength, options.Truncation),
                StepLines = s.StepLines is null ? null : SequenceTruncation.Keep(s.StepLines, 1, options.MaxLength, options.Truncation),
            };

    // A label per step decides as one per sequence does, over every step that has one.
    private static LabelSet DecideLabels(RawFile file, LabelMode mode)
    {
        var all = file.PerStep
            ? file.Sequences.SelectMany(s => s.StepLabels!).Where(l => !l.IsMissing).ToArray()
            : file.Sequences.Select(s => s.Label).ToArray();
        if (all.Length == 0)
            throw new DataFormatException(file.Path, null, "labels", "no step has a label (every label is null)");
        var regression = mode switch
        {
            LabelMode.Regression => true,
            LabelMode.Classification => false,
            _ => all.All(l => l.Number is not null) && all.Any(l => l.IsFractional),
        };
        if (regression)
            return LabelSet.Regression();
        var names = all.Select(l => l.Text).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length < 2)
            throw new DataFormatException(file.Path, null, file.PerStep ? "labels" : "label",
                $"every training label is '{names[0]}'; a classifier needs at least two classes");
        return LabelSet.FromObserved(names);
    }

    private static SequenceDataset Encode(string path, IReadOnlyList<RawSequence> sequences, InputKind kind,
        int width, Vocabulary? vocabulary, LabelSet labels, string trainingName, bool perStep, TokenUnit unit)
    {
        var examples = new SequenceExample[sequences.Count];
        for (var i = 0; i < examples.Length; i++)
        {
            var sequence = sequences[i];
            if (perStep)
            {
                examples[i] = EncodeSteps(path, sequence, kind, width, vocabulary, labels, trainingName);
                continue;
            }
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
        return new SequenceDataset(path, kind, kind == InputKind.Tokens ? 0 : width, vocabulary, labels, examples, perStep)
        {
            TokenUnit = unit,
        };
    }

    // A label per step: classes (−1 where a step has none) or targets (NaN where a step has none). Data to predict
    // may have no labels at all: every step is then unlabelled.
    private static SequenceExample EncodeSteps(string path, RawSequence sequence, InputKind kind, int width,
        Vocabulary? vocabulary, LabelSet labels, string trainingName)
    {
        var length = sequence.Length;
        var raw = sequence.StepLabels ?? Enumerable.Repeat(RawLabel.Missing, length).ToArray();
        var ids = kind == InputKind.Tokens ? EncodeTokens(vocabulary!, sequence.Tokens!) : null;
        if (labels.IsRegression)
        {
            var targets = new float[length];
            for (var t = 0; t < length; t++)
                targets[t] = raw[t].IsMissing ? float.NaN : StepTarget(path, sequence, t, raw[t]);
            return ids is not null ? SequenceExample.FromTokens(ids, targets) : SequenceExample.FromSteps(sequence.Steps!, width, targets);
        }
        var classes = new int[length];
        for (var t = 0; t < length; t++)
        {
            classes[t] = raw[t].IsMissing ? SequenceExample.Unlabelled : labels.IndexOf(raw[t].Text);
            if (classes[t] < 0 && !raw[t].IsMissing)
            {
                var (line, field) = sequence.StepLabelAt(t);
                throw new DataFormatException(path, line, field,
                    $"the label '{raw[t].Text}' does not occur in the training data ({trainingName})");
            }
        }
        return ids is not null ? SequenceExample.FromTokens(ids, classes) : SequenceExample.FromSteps(sequence.Steps!, width, classes);
    }

    private static float StepTarget(string path, RawSequence sequence, int t, RawLabel label)
    {
        var (line, field) = sequence.StepLabelAt(t);
        if (label.Number is not { } value)
            throw new DataFormatException(path, line, field,
                $"the label '{label.Text}' is not a number, but this is a regression task");
        var target = (float)value;
        return float.IsFinite(target)
            ? target
            : throw new DataFormatException(path, line, field, $"the regression target {label.Text} is not a finite 32-bit float");
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
