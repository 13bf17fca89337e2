using Recurrent.Trainer.Data.Files;
using Recurrent.Trainer.Data.Idx;
using Recurrent.Trainer.Data.Synthetic;
namespace Recurrent.Trainer.Data;

/// <summary>
/// The entry point from dataset specs (see <see cref="DatasetSpec"/>) to datasets. Every problem with the data
/// or the specs is a <see cref="DataFormatException"/> naming the file, line and field.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Default number of training sequences of a synthetic task.</summary>
    public const int DefaultSyntheticCount = 1000;

    // Stream numbers of the three splits of a synthetic task: different seeds, so no sequence is shared by design.
    private const ulong TrainStream = 0, ValidationStream = 1, TestStream = 2;

    /// <summary>
    /// Loads a task. The training spec decides the vocabulary (built from its tokens with
    /// <see cref="DatasetOptions.VocabularyMaxSize"/> and <see cref="DatasetOptions.VocabularyMinCount"/>), the
    /// labels and the step width; validation and test data are encoded to match. Validation comes from
    /// <paramref name="validationSpec"/> when given, else from holding out
    /// <see cref="DatasetOptions.ValidationFraction"/> of the training data; synthetic tasks generate validation
    /// and test sets from seeds of their own and take neither. Fashion-MNIST brings its test set (t10k) unless
    /// <paramref name="testSpec"/> replaces it.
    /// </summary>
    public static DatasetSplits Load(string trainSpec, string? validationSpec = null, string? testSpec = null,
        DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        var spec = DatasetSpec.Parse(trainSpec);
        CheckOptions(spec, options);
        if (spec.IsSynthetic || spec.Kind == DatasetKind.CharacterText)
        {
            var makes = spec.IsSynthetic ? "generates" : "holds out";
            var given = validationSpec ?? testSpec;
            if (given is not null)
                throw new DataFormatException(given, null, "spec",
                    $"{spec.Text} {makes} its own validation and test sets; do not give other data for them");
            if (options.ValidationFraction != 0)
                throw new DataFormatException(spec.Text, null, "ValidationFraction",
                    $"{spec.Text} {makes} its own validation set; a validation fraction does not apply");
            return spec.IsSynthetic ? GenerateSynthetic(spec, options) : TruncateAll(CharacterText.Load(spec, options), options);
        }

        var (train, builtInTest) = LoadTrain(spec, options);
        SequenceDataset? validation = null;
        if (validationSpec is not null)
            validation = LoadLike(validationSpec, train, options);
        else if (options.ValidationFraction > 0)
            (train, validation) = ValidationHoldOut.Split(train, options.ValidationFraction, options.Seed);
        var test = testSpec is not null ? LoadLike(testSpec, train, options) : builtInTest;
        return new DatasetSplits(train, validation, test);
    }

    /// <summary>
    /// Loads a data file encoded like <paramref name="training"/>: its vocabulary (unknown tokens become
    /// <see cref="Vocabulary.UnknownId"/>), its labels (a label it does not have is an error) and its step width.
    /// Reads at most <see cref="DatasetOptions.EvaluationCount"/> sequences. Use this to evaluate a trained model
    /// on new files; <paramref name="training"/> may be an empty dataset carrying the model's vocabulary and labels.
    /// </summary>
    public static SequenceDataset LoadLike(string spec, SequenceDataset training, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        var parsed = DatasetSpec.Parse(spec);
        CheckOptions(parsed, options);
        if (!parsed.IsFile)
            throw new DataFormatException(spec, null, "spec",
                "validation and test data must be a .jsonl, .csv or .conll file (or charlm:PATH); built-in datasets bring their own splits");
        if (parsed.Kind == DatasetKind.CharacterText)
            return Truncate(CharacterText.LoadLike(parsed, training, options), options);
        return RawDatasetBuilder.EncodeLike(ReadFile(parsed, options.EvaluationCount, options, options.LabelsOptional), training, options);
    }

    /// <summary>
    /// What <see cref="Load"/> would decide for the training file <paramref name="trainSpec"/> (a .jsonl, .csv or
    /// .conll file, or charlm:PATH): its kind, step width, count, longest sequence and labels, with the same errors (file, line,
    /// field), read as a stream: memory O(record), not O(file). The vocabulary is not built (its size is not part of
    /// the summary) and nothing is held out.
    /// </summary>
    internal static DatasetSummary Summarize(string trainSpec, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        var spec = DatasetSpec.Parse(trainSpec);
        CheckOptions(spec, options);
        return spec.Kind == DatasetKind.CharacterText ? CharacterText.Summarize(spec) : SummarizeFile(spec, options);
    }

    private static DatasetSummary SummarizeFile(DatasetSpec spec, DatasetOptions options, Action<RawSequence>? observe = null)
    {
        var path = spec.Path!;
        return spec.Kind switch
        {
            DatasetKind.JsonlFile => RawDatasetBuilder.Summarize(path, shape => JsonlReader.Stream(path, shape, options.Count), options, observe),
            DatasetKind.CsvFile => RawDatasetBuilder.Summarize(path, shape =>
            {
                shape.Kind = InputKind.Tokens;
                return CsvReader.Stream(path, options.Count, maxRecordBytes: options.MaxRecordBytes);
            }, options, observe),
            DatasetKind.ConllFile => RawDatasetBuilder.Summarize(path, shape =>
            {
                (shape.Kind, shape.PerStep) = (InputKind.Tokens, true);
                return ConllReader.Stream(path, options.Count, maxRecordBytes: options.MaxRecordBytes);
            }, options, observe),
            _ => throw new DataFormatException(spec.Text, null, "spec", "a summary is read from a .jsonl, .csv or .conll file or charlm:PATH"),
        };
    }

    /// <summary>
    /// The sizes <see cref="Load"/> (without validation or test specs) would give the splits of the training file or
    /// text <paramref name="trainSpec"/>, with the same errors, counted as a stream: memory of the distinct tokens and
    /// an int per sequence, never of the records (a 16 MiB text loaded is hundreds of MiB).
    /// </summary>
    internal static DatasetMeasure Measure(string trainSpec, DatasetOptions options)
    {
        var spec = DatasetSpec.Parse(trainSpec);
        CheckOptions(spec, options);
        if (spec.Kind == DatasetKind.CharacterText)
        {
            if (options.ValidationFraction != 0)
                throw new DataFormatException(spec.Text, null, "ValidationFraction",
                    $"{spec.Text} holds out its own validation set; a validation fraction does not apply");
            return CharacterText.Measure(spec, options);
        }
        var lengths = new List<int>();
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        var summary = SummarizeFile(spec, options, sequence =>
        {
            lengths.Add(sequence.Length);
            if (sequence.Tokens is { } words)
                Vocabulary.CountTokens(tokens, words);
        });
        var vocabulary = summary.InputKind == InputKind.Tokens
            ? Vocabulary.FromCounts(tokens, options.VocabularyMaxSize, options.VocabularyMinCount).Count
            : 0;
        int[] train = [], validation = [];
        if (options.ValidationFraction > 0)
            (train, validation) = ValidationHoldOut.Indices(summary.Count, options.ValidationFraction, options.Seed, summary.Name);
        var trainLongest = options.ValidationFraction > 0 ? train.Max(i => lengths[i]) : summary.MaxLength;
        return new DatasetMeasure(summary.InputKind, summary.FeatureCount, summary.Count - validation.Length, validation.Length,
            trainLongest, summary.MaxLength, vocabulary, summary.Labels, summary.PerStep);
    }

    private static (SequenceDataset Train, SequenceDataset? Test) LoadTrain(DatasetSpec spec, DatasetOptions options)
    {
        switch (spec.Kind)
        {
            case DatasetKind.JsonlFile or DatasetKind.CsvFile or DatasetKind.ConllFile:
                return (RawDatasetBuilder.BuildTraining(ReadFile(spec, options.Count, options), options), null);
            case DatasetKind.SeedToy:
                return (Truncate(SeedToyTask.Generate(spec.Text), options), null);
            default:
                var pixels = spec.Kind == DatasetKind.FashionMnistPixels;
                var directory = options.FashionMnistDirectory;
                var (trainImages, trainLabels) = FashionMnist.TrainFiles;
                var (testImages, testLabels) = FashionMnist.TestFiles;
                var train = FashionMnist.Load(Path.Combine(directory, trainImages), Path.Combine(directory, trainLabels),
                    pixels, options.Count, $"{spec.Text} (train)", options.Cancellation);
                var test = FashionMnist.Load(Path.Combine(directory, testImages), Path.Combine(directory, testLabels),
                    pixels, options.EvaluationCount, $"{spec.Text} (test)", options.Cancellation);
                return (Truncate(train, options), Truncate(test, options));
        }
    }

    private static RawFile ReadFile(DatasetSpec spec, int? limit, DatasetOptions options, bool labelsOptional = false) => spec.Kind switch
    {
        DatasetKind.JsonlFile => JsonlReader.Read(spec.Path!, limit, labelsOptional, options.Cancellation),
        DatasetKind.ConllFile => ConllReader.Read(spec.Path!, limit, labelsOptional, options.Cancellation, options.MaxRecordBytes),
        _ => CsvReader.Read(spec.Path!, limit, labelsOptional, options.Cancellation, options.MaxRecordBytes),
    };

    private static DatasetSplits GenerateSynthetic(DatasetSpec spec, DatasetOptions options)
    {
        var count = options.Count ?? DefaultSyntheticCount;
        var evaluationCount = options.EvaluationCount ?? Math.Max(1, count / 5);
        var seed = (ulong)options.Seed;
        SequenceDataset Generate(ulong stream, int n, string split)
        {
            var splitSeed = DeterministicRandom.DeriveSeed(seed, stream);
            var name = $"{spec.Text} ({split})";
            var data = spec.Kind switch
            {
                DatasetKind.Adding => AddingTask.Generate(spec.Length, n, splitSeed, name, options.Cancellation),
                DatasetKind.TemporalOrder => TemporalOrderTask.Generate(spec.Length, spec.ClassCount, n, splitSeed, name, options.Cancellation),
                DatasetKind.Copy => CopyTask.Generate(spec.Length, n, splitSeed, name, options.Cancellation),
                _ => LatchTask.Generate(spec.Length, n, splitSeed, name, options.Cancellation),
            };
            return Truncate(data, options);
        }
        return new DatasetSplits(Generate(TrainStream, count, "train"),
            Generate(ValidationStream, evaluationCount, "validation"), Generate(TestStream, evaluationCount, "test"))
        {
            Baseline = spec.Kind == DatasetKind.Copy
                ? new TaskBaseline("memoryless: blanks, then a uniform guess among the 8 symbols",
                    CopyTask.BaselineCrossEntropy(spec.Length))
                : null,
        };
    }

    private static DatasetSplits TruncateAll(DatasetSplits splits, DatasetOptions options) => splits with
    {
        Train = Truncate(splits.Train, options),
        Validation = splits.Validation is { } v ? Truncate(v, options) : null,
        Test = splits.Test is { } t ? Truncate(t, options) : null,
    };

    private static SequenceDataset Truncate(SequenceDataset data, DatasetOptions options)
    {
        if (options.MaxLength is not { } max || data.Examples.All(e => e.Length <= max))
            return data;
        var examples = data.Examples
            .Select(e => SequenceTruncation.Keep(e, data.FeatureCount, max, options.Truncation))
            .ToArray();
        return new SequenceDataset(data.Name, data.InputKind, data.FeatureCount, data.Vocabulary, data.Labels, examples,
            data.PerStep)
        {
            TokenUnit = data.TokenUnit,
        };
    }

    private static void CheckOptions(DatasetSpec spec, DatasetOptions options)
    {
        if (options.Count is < 1)
            Bad(spec, "Count", $"the count must be at least 1, not {options.Count}");
        if (options.Count is not null && spec.Kind == DatasetKind.SeedToy)
            Bad(spec, "Count", "seed-toy has exactly the seed's three sequences; a count does not apply");
        if (options.EvaluationCount is < 1)
            Bad(spec, "EvaluationCount", $"the evaluation count must be at least 1, not {options.EvaluationCount}");
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1))
            Bad(spec, "ValidationFraction", $"the validation fraction must be in [0, 1), not {options.ValidationFraction}");
        if (options.VocabularyMaxSize < 2)
            Bad(spec, "VocabularyMaxSize",
                $"the vocabulary needs room for its two reserved ids; {options.VocabularyMaxSize} is too small");
        if (options.VocabularyMinCount < 1)
            Bad(spec, "VocabularyMinCount", $"the minimum token count must be at least 1, not {options.VocabularyMinCount}");
        if (options.MaxLength is < 1)
            Bad(spec, "MaxLength", $"the maximum length must be at least 1 step, not {options.MaxLength}");
    }

    private static void Bad(DatasetSpec spec, string field, string problem) =>
        throw new DataFormatException(spec.Text, null, field, problem);
}
