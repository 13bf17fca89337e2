using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Service.Worker;

/// <summary>
/// The datasets of a run request. Loading is deterministic in the request, so the check at creation and the
/// worker, also after a restart, see the same sequences.
/// </summary>
internal sealed class RunData(DatasetStore datasets, DataDirectory data, IOptions<ServiceOptions> options)
{
    public DatasetSplits Load(RunRequest request)
    {
        var spec = SpecOf(request);
        var dataOptions = RunRequestMapper.ToDatasetOptions(request);
        DatasetSplits splits;
        try
        {
            splits = DatasetLoader.Load(spec, options: dataOptions);
        }
        catch (DataFormatException e)
        {
            var field = RunRequestMapper.FieldOf(e) ?? (request.DatasetId is null ? "data" : "dataset_id");
            throw new BadRequestException(field, $"{field}: {e.Problem}");
        }
        var limit = options.Value.MaxSequenceLength;
        var longest = splits.Train.Examples.Max(e => e.Length);
        if (longest > limit)
            throw new BadRequestException(request.MaxLength is null ? "data" : "max_length",
                $"data: sequences of {longest} steps exceed the service's limit of {limit} (Recurrent:MaxSequenceLength); set max_length to cut them.");
        return splits;
    }

    private string SpecOf(RunRequest request)
    {
        if (request.Data is not null == request.DatasetId is not null)
            throw new BadRequestException("data", "data: give either \"data\" (a built-in dataset spec) or \"dataset_id\" (an uploaded dataset), not both or neither.");
        if (request.DatasetId is long id)
        {
            var record = datasets.Get(id) ?? throw new BadRequestException("dataset_id", $"dataset_id: no dataset has id {id}.");
            return data.DatasetFile(record.Id, record.Format);
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
        return spec;
    }
}
