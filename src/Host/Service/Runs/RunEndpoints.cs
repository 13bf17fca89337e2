using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Gradients;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Runs;

/// <summary>/api/runs: create, list, inspect, cancel, the gradient history and the event log.</summary>
internal static partial class RunEndpoints
{
    public static void Map(RouteGroupBuilder reads, RouteGroupBuilder writes)
    {
        // Every route here is tagged "runs" in the OpenAPI document.
        reads = reads.MapGroup("").WithTags("runs");
        writes = writes.MapGroup("").WithTags("runs");
        writes.MapPost("/runs", CreateAsync).WithSummary("Queue a run")
            .Reads<RunRequest>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status500InternalServerError);
        reads.MapGet("/runs", (RunStore runs, LiveRuns live, EndedRunSummaries ended, UnrecordedEnds unrecorded) =>
                TypedResults.Ok(new RunList([.. runs.List().Select(unrecorded.Apply).Select(r => RunView.Summary(r, live.Get(r.Id), ended.Get(r)))])))
            .WithSummary("Every run");
        reads.MapGet("/runs/{id}", (string id, RunStore runs, LiveRuns live, EndedRunSummaries ended, UnrecordedEnds unrecorded) =>
            {
                var run = unrecorded.Apply(Find(runs, id));
                return TypedResults.Ok(RunView.Detail(run, live.Get(run.Id), runs.Epochs(run.Id), ended.Get(run)));
            })
            .WithSummary("A run with its request, result, epochs and latest gradient")
            .ProducesProblems(StatusCodes.Status404NotFound);
        reads.MapGet("/runs/{id}/gradients", (string id, HttpRequest http, RunStore runs, LiveRuns live, GradientStore stored,
                IOptions<ServiceOptions> options) =>
            {
                var run = Find(runs, id);
                var query = GradientQuery.Parse(http.Query, options.Value.GradientHistorySteps);
                return TypedResults.Ok(GradientPages.Read(run, live.Get(run.Id), stored, query));
            })
            .WithSummary("A page of the per-step gradient history (cursor: since/until, order, limit ≤ 5000, every)")
            .WithQuery(GradientQuery.Parameters)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        reads.MapGet("/runs/{id}/events", (string id, HttpRequest http, RunStore runs, EventStore events) =>
                TypedResults.Ok(RunEventLog.Read(Find(runs, id), events, http.Query)))
            .WithSummary("Lifecycle events by time, then training events by step")
            .WithQuery(RunEventLog.Parameters)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        writes.MapPost("/runs/{id}/cancel", Cancel)
            .WithSummary("Cancel a queued run (200, cancelled) or a running one (202: it ends cancelled); 409 when it has ended")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        reads.MapGet("/runs/{id}/model.onnx", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts, DatasetStore datasets) =>
            {
                EncoderDecoderEndpoints.RefuseSingleGraph(Find(runs, id), datasets);
                var (run, path) = SucceededFile(runs, id, data.Onnx, artifacts, "its ONNX model");
                return TypedResults.PhysicalFile(path, "application/octet-stream", $"{run.Name}.onnx");
            })
            .WithSummary("The exported ONNX model of a succeeded run (checked against its stored digest: a damaged file is a 500 naming it)")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status500InternalServerError);
        // The same network as an ML.NET model file (OnnxTransformer inside), made on request from the saved model.
        reads.MapGet("/runs/{id}/model.zip", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts, DatasetStore datasets) =>
            {
                var encoderDecoder = EncoderDecoderRuns.Applies(Find(runs, id), datasets);
                var (run, path) = SucceededFile(runs, id, data.Model, artifacts, "its ML.NET model");
                byte[] zip;
                try
                {
                    // An encoder–decoder's ML.NET model decodes greedily inside one graph (a Loop), Tokens in.
                    zip = encoderDecoder
                        ? Recurrent.Trainer.MLNet.MLNetModelExport.ToBytes(Recurrent.Trainer.Models.EncoderDecoderModel.Load(path))
                        : Recurrent.Trainer.MLNet.MLNetModelExport.ToBytes(Recurrent.Trainer.Models.SequenceModel.Load(path));
                }
                catch (InvalidDataException e)
                {
                    // Its own checksum found the damage (a file from before digests were stored): named, not a bare 500.
                    throw new DamagedFileException(data.Relative(path), $"{data.Relative(e.Message)} It is not used; train the run again.");
                }
                return TypedResults.File(zip, "application/zip", $"{run.Name}.zip");
            })
            .WithSummary("The ML.NET model of a succeeded run (a damaged model file is a 500 naming it)")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status500InternalServerError);
    }

    /// <summary>
    /// The store decides, in one guarded update each: a queued run is cancelled at once (200); a running one is
    /// marked, and from then on can only end cancelled, whenever its worker notices (202); a run that ended first,
    /// even a moment before, is a 409 that says how it ended.
    /// </summary>
    private static Results<Ok<RunSummaryView>, Accepted<RunSummaryView>> Cancel(string id, RunStore runs, LiveRuns live,
        RunStatePublisher states, UnrecordedEnds unrecorded)
    {
        var run = Find(runs, id);
        if (unrecorded.Get(run.Id) is { } end)
            throw new ConflictException(null,
                $"Run {run.Id} has already ended {end.State}: {end.Error}; too late to cancel (its end is recorded once the store takes writes again).");
        if (runs.CancelQueued(run.Id))
        {
            states.Publish();
            return TypedResults.Ok(RunView.Summary(runs.Get(run.Id)!, null));
        }
        if (!runs.RequestCancel(run.Id))
        {
            var now = runs.Get(run.Id)!;
            throw new ConflictException(null, RunStates.IsFinal(now.State)
                ? $"Run {run.Id} has already ended {now.State}; too late to cancel."
                : $"Run {run.Id} is {now.State}; only queued or running runs can be cancelled.");
        }
        live.RequestCancel(run.Id); // the worker is this process; in a fleet, its heartbeat reads the mark
        return TypedResults.Accepted((string?)null, RunView.Summary(runs.Get(run.Id)!, live.Get(run.Id)));
    }

    /// <summary>A file a run made, which exists once the run has succeeded (fetched from a fleet's artifacts if need be).</summary>
    private static (RunRecord Run, string Path) SucceededFile(RunStore runs, string id, Func<long, string> file,
        ArtifactStore artifacts, string what)
    {
        var run = Find(runs, id);
        var path = file(run.Id);
        if (run.State != RunStates.Succeeded || !artifacts.Ensure(path))
            throw new ConflictException(null, $"Run {run.Id} is {run.State}; {what} exists once it has succeeded.");
        return (run, path);
    }

    public static RunRecord Find(RunStore runs, string id) =>
        runs.Get(RunIds.Parse(id)) ?? throw new NotFoundException("id", $"No run has id {id}.");

    private static async Task<Created<RunSummaryView>> CreateAsync(HttpRequest http, RunStore runs, RunData data, WorkQueue queue,
        RunStatePublisher states, LiveRuns live, IOptions<ServiceOptions> options, StorageHealth storage,
        DatasetStore datasets, CancellationToken cancellationToken)
    {
        storage.EnsureWritable();
        var request = await ApiJson.ReadAsync<RunRequest>(http, cancellationToken);
        if (request.Name is not null && !ValidName().IsMatch(request.Name))
            throw new BadRequestException("name", "name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        var trainerOptions = RunRequestMapper.ToTrainerOptions(request);
        var limits = options.Value.Runs;
        RunLimits.CheckOptions(request, trainerOptions, limits, options.Value.MaxSequenceLength);
        // The spec, the uploaded file and the data options are checked now, not minutes later in the worker; the
        // data itself is built there.
        if (EncoderDecoderRuns.Applies(request, datasets))
            EncoderDecoderRuns.Check(request, trainerOptions, options.Value, datasets);
        else
            RunLimits.CheckSize(request, trainerOptions, data.Describe(request), limits);
        var run = runs.Create(request.Name, JsonSerializer.Serialize(request, ApiJson.Options))
            ?? throw new ConflictException("name", $"name: a run named '{request.Name}' exists already.");
        states.Publish();
        queue.Wake();
        return TypedResults.Created((string?)null, RunView.Summary(run, live.Get(run.Id)));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidName();
}
