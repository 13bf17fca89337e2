using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// Runs that train an encoder–decoder: those whose <c>data</c> is a pair task (<c>reverse:N</c>) or whose
/// <c>dataset_id</c> is an uploaded file of pairs (<see cref="PairUploads"/>). Their request is checked here at
/// creation, with the service's bounds applied to the encoder–decoder's own sizes (its parameters, the activations of
/// a batch, the pairs held), since the sequence models' account does not describe it.
/// </summary>
internal static class EncoderDecoderRuns
{
    public static bool Applies(RunRequest request, DatasetStore datasets) =>
        request.Data is { } spec ? PairDataset.IsPairTask(spec)
        : request.DatasetId is long id && datasets.Get(id) is { InputKind: PairUploads.InputKind };

    /// <summary>Whether a stored run trains an encoder–decoder (a request that no longer reads is not one).</summary>
    public static bool Applies(RunRecord run, DatasetStore datasets)
    {
        try
        {
            return JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options) is { } request && Applies(request, datasets);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The pairs of the request: a task's training, validation and test pairs from the request's seed and count, or
    /// an uploaded file's, split by the seed.
    /// </summary>
    public static (PairDataset Train, PairDataset Validation, PairDataset Test) Load(RunRequest request, DatasetStore datasets,
        DataDirectory data, ArtifactStore artifacts)
    {
        var options = RunRequestMapper.ToDatasetOptions(request);
        if (request.DatasetId is long id)
        {
            var record = datasets.Get(id) ?? throw new BadRequestException("dataset_id", $"dataset_id: no dataset has id {id}.");
            var file = data.DatasetFile(record.Id, record.Format);
            if (!artifacts.Ensure(file))
                throw new DamagedFileException(data.Relative(file), $"dataset_id: dataset {id}'s file {data.Relative(file)} is missing from the data directory.");
            try
            {
                return PairJsonlSplits.Load(file, options.Seed);
            }
            catch (DataFormatException e)
            {
                throw new BadRequestException("dataset_id", $"dataset_id: {data.Relative(e.Message)}");
            }
        }
        try
        {
            return PairDataset.LoadTask(request.Data!, options.Seed, options.Count, options.EvaluationCount);
        }
        catch (ArgumentException e)
        {
            throw new BadRequestException("data", $"data: {e.Message}");
        }
    }

    /// <summary>Refuses, naming the field, what an encoder–decoder cannot train or what exceeds the service's bounds.</summary>
    public static void Check(RunRequest request, SequenceModelOptions options, ServiceOptions service, DatasetStore datasets)
    {
        if (EncoderDecoderTrainer.Refused(options) is { } option)
        {
            var field = request.FieldOf(option);
            throw new BadRequestException(field, $"{field}: does not apply to an encoder–decoder.");
        }
        var (length, count, sourceSymbols, targetSymbols) = request.DatasetId is long id && datasets.Get(id) is { } upload
            ? (upload.MaxLength, (long)upload.Sequences, upload.FeatureCount, upload.Classes.Count)
            : (TaskLength(request), (long)(request.Count ?? DatasetLoader.DefaultSyntheticCount) * 7 / 5, ReverseTask.Symbols.Count, ReverseTask.Symbols.Count);
        if (length > service.MaxSequenceLength)
            throw new BadRequestException("data",
                $"data: length {length} exceeds the service's limit of {service.MaxSequenceLength} steps (Recurrent:MaxSequenceLength).");
        var limits = service.Runs;
        // Source and target of each pair, evaluation splits included.
        var values = count * 2L * length;
        if (values > limits.MaxDataValues)
            throw new BadRequestException("count",
                $"count: {count} pairs of up to {length} symbols each way hold {values:N0} values, more than the service's limit of {limits.MaxDataValues:N0} (Recurrent:Runs:MaxDataValues).");
        var (parameters, stepFloats) = Size(options, sourceSymbols, targetSymbols);
        if (parameters > limits.MaxParameters)
            throw new BadRequestException(request.FieldOf(nameof(request.HiddenSize)),
                $"{request.FieldOf(nameof(request.HiddenSize))}: an encoder–decoder of {options.Layers} layer(s) of {options.HiddenSize} units has {parameters:N0} parameters, " +
                $"more than the service's limit of {limits.MaxParameters:N0} (Recurrent:Runs:MaxParameters); lower hidden_size, layers or embedding_size.");
        // The longer side may be the target with its end token: N + 1 steps of both stacks' activations per pair.
        var activations = (long)options.BatchSize * (length + 1) * stepFloats * sizeof(float);
        if (activations > limits.MaxActivationBytes)
            throw new BadRequestException(request.FieldOf(nameof(request.BatchSize)),
                $"{request.FieldOf(nameof(request.BatchSize))}: backpropagation through a batch of {options.BatchSize} pairs of {length} symbols keeps about " +
                $"{activations / (1 << 20):N0} MiB of activations, more than the service's limit of {limits.MaxActivationBytes / (1 << 20):N0} MiB " +
                "(Recurrent:Runs:MaxActivationBytes); lower batch_size or hidden_size.");
    }

    private static int TaskLength(RunRequest request)
    {
        var spec = request.Data!;
        if (!int.TryParse(spec.AsSpan(spec.IndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1)
            throw new BadRequestException("data", $"data: '{spec}': expected reverse:N with N a positive whole number.");
        // The task's own bounds are refused now, not minutes later in the worker: one pair is enough to check them.
        try
        {
            PairDataset.LoadTask(spec, seed: 1, count: 1, evaluationCount: 1);
        }
        catch (ArgumentException e)
        {
            throw new BadRequestException("data", $"data: {e.Message}");
        }
        return length;
    }

    /// <summary>Parameters of both stacks, the two embeddings and the head; floats one step of a batch row keeps.</summary>
    private static (long Parameters, long StepFloats) Size(SequenceModelOptions o, long sourceSymbols, long targetSymbols)
    {
        long gates = o.Cell switch { RecurrentCellKind.Lstm => 4, RecurrentCellKind.Gru => 3, _ => 1 };
        long hidden = o.HiddenSize, embedding = o.EmbeddingSize, layers = o.Layers, outputs = targetSymbols + 1;
        var bias = o.UseBias ? 2 * gates * hidden : 0;
        var stack = gates * hidden * (embedding + hidden) + bias + (layers - 1) * (gates * hidden * 2 * hidden + bias);
        var parameters = 2 * stack + sourceSymbols * embedding + outputs * embedding + outputs * hidden + (o.UseBias ? outputs : 0);
        // As EncoderDecoderModel accounts a step: gates, their gradient and the projection, h, c and the cell's extra.
        var stepFloats = 2 * layers * (3 * gates * hidden + 3 * hidden) + embedding + outputs;
        return (parameters, stepFloats);
    }
}
