using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Service.Datasets;

/// <summary>
/// The datasets of a run request. <see cref="Describe"/> checks a request at creation without building its data
/// (a generated task is probed with one sequence, an upload is read, which its size bounds); the worker builds
/// the data with <see cref="Load"/>. Loading is deterministic in the request, so a restart sees the same sequences.
/// </summary>
internal sealed class RunData(DatasetStore datasets, DataDirectory data, ArtifactStore artifacts, IOptions<ServiceOptions> options)
{
    // Fashion-MNIST's IDX files: 60,000 training and 10,000 test images.
    private const int FashionMnistTrain = 60_000;
    private const int FashionMnistTest = 10_000;

    /// <summary>The uploaded datasets a request may name.</summary>
    public DatasetStore Datasets => datasets;

    /// <summary>Builds a run's data; a cancel stops the building between sequences (the load throws and keeps nothing).</summary>
    public DatasetSplits Load(RunRequest request, CancellationToken cancellation)
    {
        var (spec, _) = SpecOf(request);
        var dataOptions = RunRequestMapper.ToDatasetOptions(request);
        dataOptions.Cancellation = cancellation;
        return CheckLength(request, LoadSpec(request, spec, dataOptions));
    }

    /// <summary>The size of a request's data, from the spec and a probe of one sequence; refusals name the field.</summary>
    public DataShape Describe(RunRequest request)
    {
        var (spec, parsed) = SpecOf(request);
        var dataOptions = RunRequestMapper.ToDatasetOptions(request);
        if (parsed is null || parsed.Kind == DatasetKind.SeedToy)
            return DataShape.Of(CheckLength(request, LoadSpec(request, spec, dataOptions)));
        // Generated and Fashion-MNIST data: one sequence of each split checks the options and gives the step
        // shape; the counts follow from the request.
        var probe = new DatasetOptions
        {
            Seed = dataOptions.Seed,
            Count = request.Count is < 1 ? request.Count : 1,
            EvaluationCount = 1,
            ValidationFraction = dataOptions.ValidationFraction,
            VocabularyMaxSize = dataOptions.VocabularyMaxSize,
            VocabularyMinCount = dataOptions.VocabularyMinCount,
            MaxLength = dataOptions.MaxLength,
            Truncation = dataOptions.Truncation,
        };
        var sample = CheckLength(request, LoadSpec(request, spec, probe));
        long train, evaluation;
        if (parsed.IsSynthetic)
        {
            train = request.Count ?? DatasetLoader.DefaultSyntheticCount;
            evaluation = 2 * Math.Max(1, train / 5);
        }
        else
        {
            train = Math.Min(request.Count ?? FashionMnistTrain, FashionMnistTrain);
            evaluation = FashionMnistTest;
        }
        return DataShape.Of(sample) with { Sequences = train, EvaluationSequences = evaluation };
    }

    private static DatasetSplits LoadSpec(RunRequest request, string spec, DatasetOptions dataOptions)
    {
        try
        {
            return DatasetLoader.Load(spec, options: dataOptions);
        }
        catch (DataFormatException e)
        {
            var field = RunRequestMapper.FieldOf(e) ?? (request.DatasetId is null ? "data" : "dataset_id");
            throw new BadRequestException(field, $"{field}: {e.Problem}");
        }
    }

    /// <summary>The dataset spec of an uploaded file: the file itself, or for a text, a character language model of it.</summary>
    public static string SpecOfFile(string path, string format) => format == "txt" ? $"charlm:{path}" : path;

    private DatasetSplits CheckLength(RunRequest request, DatasetSplits splits)
    {
        var limit = options.Value.MaxSequenceLength;
        var longest = splits.Train.Examples.Max(e => e.Length);
        if (longest > limit)
            throw new BadRequestException(request.MaxLength is null ? "data" : "max_length",
                $"data: sequences of {longest} steps exceed the service's limit of {limit} (Recurrent:MaxSequenceLength); set max_length to cut them.");
        return splits;
    }

    private (string Spec, DatasetSpec? Parsed) SpecOf(RunRequest request)
    {
        if (request.Data is not null == request.DatasetId is not null)
            throw new BadRequestException("data", "data: give either \"data\" (a built-in dataset spec) or \"dataset_id\" (an uploaded dataset), not both or neither.");
        if (request.DatasetId is long id)
        {
            var record = datasets.Get(id) ?? throw new BadRequestException("dataset_id", $"dataset_id: no dataset has id {id}.");
            var file = data.DatasetFile(record.Id, record.Format);
            // Checked against the digest stored with the upload (fetched first if it was uploaded to another worker):
            // an edited or damaged file is named, never trained on.
            if (!artifacts.Ensure(file))
                throw new DamagedFileException(data.Relative(file), $"dataset_id: dataset {id}'s file {data.Relative(file)} is missing from the data directory.");
            return (SpecOfFile(file, record.Format), null);
        }
        var spec = request.Data!;
        DatasetSpec parsed;
        try
        {
            parsed = DatasetSpec.Parse(spec);
        }
        catch (DataFormatException e)
        {
            throw new BadRequestException("data", $"data: {e.Problem}");
        }
        // A path would let a request read any file the service can; uploads are the way in for files.
        if (parsed.IsFile)
            throw new BadRequestException("data", "data: files are uploaded with POST /api/datasets and named by dataset_id; \"data\" takes built-in specs only.");
        if (parsed.IsSynthetic && parsed.Length > options.Value.MaxSequenceLength)
            throw new BadRequestException("data",
                $"data: length {parsed.Length} exceeds the service's limit of {options.Value.MaxSequenceLength} steps (Recurrent:MaxSequenceLength).");
        return (spec, parsed);
    }
}

/// <summary>The size of a run's data, known before it is built: what the model and memory estimates need.</summary>
internal sealed record DataShape(
    InputKind InputKind,
    int FeatureCount,
    int MaxSteps,
    long Sequences,
    long EvaluationSequences,
    int VocabularySize,
    int Outputs,
    bool PerStep = false)
{
    /// <summary>Values held in memory: one per step for tokens, one per feature and step for numeric data.</summary>
    public long Values => (Sequences + EvaluationSequences) * MaxSteps * (InputKind == InputKind.Tokens ? 1L : FeatureCount);

    public static DataShape Of(DatasetSplits splits)
    {
        var train = splits.Train;
        var longest = new[] { train, splits.Validation, splits.Test }
            .Where(s => s is { Count: > 0 }).Max(s => s!.Examples.Max(e => e.Length));
        var labels = train.Labels;
        return new DataShape(train.InputKind, train.FeatureCount, longest, train.Count,
            (splits.Validation?.Count ?? 0) + (splits.Test?.Count ?? 0), train.Vocabulary?.Count ?? 0,
            labels.IsRegression || labels.ClassCount == 2 ? 1 : labels.ClassCount, train.PerStep);
    }
}
