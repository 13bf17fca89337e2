using System.Text.Json;
using System.Text.RegularExpressions;
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
        writes.MapPost("/runs", CreateAsync);
        reads.MapGet("/runs", (RunStore runs, LiveRuns live, EndedRunSummaries ended) =>
            TypedResults.Ok(new RunList([.. runs.List().Select(r => RunView.Summary(r, live.Get(r.Id), ended.Get(r)))])));
        reads.MapGet("/runs/{id}", (string id, RunStore runs, LiveRuns live, EndedRunSummaries ended) =>
        {
            var run = Find(runs, id);
            return TypedResults.Ok(RunView.Detail(run, live.Get(run.Id), runs.Epochs(run.Id), ended.Get(run)));
        });
        reads.MapGet("/runs/{id}/gradients", (string id, HttpRequest http, RunStore runs, LiveRuns live,
            GradientStore stored, IOptions<ServiceOptions> options) =>
        {
            var run = Find(runs, id);
            var query = GradientQuery.Parse(http.Query, options.Value.GradientHistorySteps);
            return TypedResults.Ok(GradientPages.Read(run, live.Get(run.Id), stored, query));
        });
        reads.MapGet("/runs/{id}/events", (string id, HttpRequest http, RunStore runs, EventStore events) =>
            TypedResults.Ok(RunEventLog.Read(Find(runs, id), events, http.Query)));
        writes.MapPost("/runs/{id}/cancel", (string id, RunStore runs, LiveRuns live, RunStatePublisher states) =>
        {
            var run = Find(runs, id);
            if (runs.CancelQueued(run.Id))
            {
                states.Publish();
                return Results.Json(RunView.Summary(runs.Get(run.Id)!, null), ApiJson.Options, statusCode: StatusCodes.Status200OK);
            }
            if (run.State == RunStates.Running)
            {
                live.RequestCancel(run.Id);
                runs.RequestCancel(run.Id); // in a fleet another worker may be training it
                return Results.Json(RunView.Summary(run, live.Get(run.Id)), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
            }
            return Problems.Conflict($"Run {run.Id} is {run.State}; only queued or running runs can be cancelled.");
        });
        reads.MapGet("/runs/{id}/model.onnx", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts) =>
        {
            var run = Find(runs, id);
            var path = data.Onnx(run.Id);
            if (run.State != RunStates.Succeeded || !(File.Exists(path) || artifacts.Fetch(path)))
                return (IResult)Problems.Conflict($"Run {run.Id} is {run.State}; its ONNX model exists once it has succeeded.");
            return TypedResults.PhysicalFile(path, "application/octet-stream", $"{run.Name}.onnx");
        });
        // The same network as an ML.NET model file (OnnxTransformer inside), made on request from the saved model.
        reads.MapGet("/runs/{id}/model.zip", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts) =>
        {
            var run = Find(runs, id);
            var path = data.Model(run.Id);
            if (run.State != RunStates.Succeeded || !(File.Exists(path) || artifacts.Fetch(path)))
                return (IResult)Problems.Conflict($"Run {run.Id} is {run.State}; its ML.NET model exists once it has succeeded.");
            var bytes = Recurrent.Trainer.MLNet.MLNetModelExport.ToBytes(Recurrent.Trainer.Models.SequenceModel.Load(path));
            return TypedResults.File(bytes, "application/zip", $"{run.Name}.zip");
        });
    }

    public static RunRecord Find(RunStore runs, string id) =>
        runs.Get(RunIds.Parse(id)) ?? throw new BadRequestException("id", $"No run has id {id}.", StatusCodes.Status404NotFound);

    private static async Task<IResult> CreateAsync(HttpRequest http, RunStore runs, RunData data, WorkQueue queue,
        RunStatePublisher states, LiveRuns live, IOptions<ServiceOptions> options, StorageHealth storage,
        CancellationToken cancellationToken)
    {
        storage.EnsureWritable();
        var request = await ApiJson.ReadAsync<RunRequest>(http, cancellationToken);
        if (request.Name is not null && !ValidName().IsMatch(request.Name))
            throw new BadRequestException("name", "name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        var trainerOptions = RunRequestMapper.ToTrainerOptions(request);
        var limits = options.Value.Runs;
        RunLimits.CheckOptions(request, limits, options.Value.MaxSequenceLength);
        // The spec, the uploaded file and the data options are checked now, not minutes later in the worker; the
        // data itself is built there.
        RunLimits.CheckSize(request, trainerOptions, data.Describe(request), limits);
        var run = runs.Create(request.Name, JsonSerializer.Serialize(request, ApiJson.Options));
        if (run is null)
            return Problems.Make(StatusCodes.Status409Conflict, $"name: a run named '{request.Name}' exists already.", "name");
        states.Publish();
        queue.Wake();
        return Results.Json(RunView.Summary(run, live.Get(run.Id)), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidName();
}
