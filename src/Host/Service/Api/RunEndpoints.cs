using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Live;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Worker;

namespace Recurrent.Host.Service.Api;

/// <summary>/api/runs: create, list, inspect, cancel, and the gradient history.</summary>
internal static partial class RunEndpoints
{
    public static void Map(RouteGroupBuilder reads, RouteGroupBuilder writes)
    {
        writes.MapPost("/runs", CreateAsync);
        reads.MapGet("/runs", (RunStore runs, LiveRuns live, EndedRunSummaries ended) =>
            TypedResults.Ok(new { runs = runs.List().Select(r => RunView.Summary(r, live.Get(r.Id), ended.Get(r))).ToArray() }));
        reads.MapGet("/runs/{id}", (string id, RunStore runs, LiveRuns live, EndedRunSummaries ended) =>
        {
            var run = Find(runs, id);
            return TypedResults.Ok(RunView.Detail(run, live.Get(run.Id), runs.Epochs(run.Id), ended.Get(run)));
        });
        reads.MapGet("/runs/{id}/gradients", (string id, long? since, int? limit, RunStore runs, LiveRuns live,
            GradientStore stored, IOptions<ServiceOptions> options) =>
        {
            var run = Find(runs, id);
            if (limit is < 1)
                throw new BadRequestException("limit", $"limit: must be at least 1, not {limit}.");
            var count = limit ?? options.Value.GradientHistorySteps;
            var points = run.State == RunStates.Running && live.Get(run.Id) is { } training
                ? RunningSince(run.Id, training, stored, since ?? 0, count)
                : stored.Since(run.Id, since ?? 0, count);
            return TypedResults.Ok(new Dictionary<string, object?>
            {
                ["run_id"] = run.Id,
                ["state"] = run.State,
                ["steps_back"] = GradientAnalysisResult.ProfileStepsBack.ToArray(),
                ["steps"] = points.Select(ToJson).ToArray(),
            });
        });
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
                return Results.Json(RunView.Summary(run, live.Get(run.Id)), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
            }
            return Problems.Conflict($"Run {run.Id} is {run.State}; only queued or running runs can be cancelled.");
        });
        reads.MapGet("/runs/{id}/model.onnx", (string id, RunStore runs, DataDirectory data) =>
        {
            var run = Find(runs, id);
            var path = data.Onnx(run.Id);
            if (run.State != RunStates.Succeeded || !File.Exists(path))
                return (IResult)Problems.Conflict($"Run {run.Id} is {run.State}; its ONNX model exists once it has succeeded.");
            return TypedResults.PhysicalFile(path, "application/octet-stream", $"{run.Name}.onnx");
        });
        // The same network as an ML.NET model file (OnnxTransformer inside), made on request from the saved model.
        reads.MapGet("/runs/{id}/model.zip", (string id, RunStore runs, DataDirectory data) =>
        {
            var run = Find(runs, id);
            var path = data.Model(run.Id);
            if (run.State != RunStates.Succeeded || !File.Exists(path))
                return (IResult)Problems.Conflict($"Run {run.Id} is {run.State}; its ML.NET model exists once it has succeeded.");
            var bytes = Recurrent.Trainer.MLNet.MLNetModelExport.ToBytes(Recurrent.Trainer.SequenceClassifier.Load(path));
            return TypedResults.File(bytes, "application/zip", $"{run.Name}.zip");
        });
    }

    // A training run's newest steps are in memory until its next checkpoint stores them, and memory keeps only the
    // last GradientHistorySteps: a reader that fell further behind (a run training faster than it polls) gets the
    // older steps from the store, so the steps it receives have no holes.
    private static IReadOnlyList<GradientPoint> RunningSince(long runId, LiveRun training, GradientStore stored,
        long since, int count)
    {
        var recent = training.History.Since(since, count);
        if (recent.Count == count || (recent.Count > 0 && recent[0].Step == since + 1))
            return recent;
        var before = recent.Count > 0 ? recent[0].Step : long.MaxValue;
        return [.. stored.Since(runId, since, count - recent.Count, before), .. recent];
    }

    public static RunRecord Find(RunStore runs, string id) =>
        runs.Get(RunIds.Parse(id)) ?? throw new BadRequestException("id", $"No run has id {id}.", StatusCodes.Status404NotFound);

    private static async Task<IResult> CreateAsync(HttpRequest http, RunStore runs, RunData data, WorkQueue queue,
        RunStatePublisher states, LiveRuns live, CancellationToken cancellationToken)
    {
        var request = await ApiJson.ReadAsync<RunRequest>(http, cancellationToken);
        if (request.Name is not null && !ValidName().IsMatch(request.Name))
            throw new BadRequestException("name", "name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        RunRequestMapper.ToTrainerOptions(request);
        // Loading checks the spec, the uploaded file and the data options now, not minutes later in the worker.
        data.Load(request);
        var run = runs.Create(request.Name, JsonSerializer.Serialize(request, ApiJson.Options));
        if (run is null)
            return Problems.Make(StatusCodes.Status409Conflict, $"name: a run named '{request.Name}' exists already.", "name");
        states.Publish();
        queue.Wake();
        return Results.Json(RunView.Summary(run, live.Get(run.Id)), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static Dictionary<string, object?> ToJson(GradientPoint p) => new()
    {
        ["step"] = p.Step,
        ["epoch"] = p.Epoch,
        ["loss"] = RunView.Finite(p.Loss),
        ["grad_norm"] = RunView.Finite(p.GradNorm),
        ["clipped"] = p.Clipped,
        ["non_finite"] = p.NonFinite,
        ["log10_vanishing_ratio"] = p.Log10VanishingRatio,
        ["memory_horizon"] = p.MemoryHorizon,
        ["profile_log10"] = p.ProfileLog10.Select(v => RunView.Finite(v)).ToArray(),
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidName();
}
