using System.Runtime;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>POST /api/runs/{id}/predict: records in, one prediction per record out, with the engine that answered.</summary>
internal static class PredictEndpoints
{
    // A request whose body or activations were this large has its memory handed back to the system afterwards.
    private const long LargeRequestBytes = 8L << 20;

    public static void Map(RouteGroupBuilder writes) => writes.MapPost("/runs/{id}/predict", PredictAsync)
        .WithTags("predictions")
        .WithSummary("Predictions for records")
        .Reads<PredictRequest>()
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
            StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity,
            StatusCodes.Status429TooManyRequests, StatusCodes.Status500InternalServerError);

    private static async Task<Ok<PredictResponse>> PredictAsync(string id, HttpRequest http, RunStore runs, PredictionEngines engines,
        PredictionLimiter limiter, IOptions<ServiceOptions> options, DataDirectory data, ArtifactStore artifacts,
        DatasetStore datasets, CancellationToken cancellationToken)
    {
        var run = RunEndpoints.Find(runs, id);
        // The slot is taken before the body is read: parsing a large request costs memory too.
        using var slot = await limiter.EnterAsync(cancellationToken);
        var request = await ApiJson.ReadAsync<PredictRequest>(http, cancellationToken);
        if (run.State != RunStates.Succeeded)
            throw new ConflictException(null, $"Run {run.Id} is {run.State}; it predicts once it has succeeded.");
        if (Runs.EncoderDecoderRuns.Applies(run, datasets))
            return TypedResults.Ok(EncoderDecoderPredictions.Predict(run, request, data, artifacts, options.Value, cancellationToken));
        using var rental = engines.Rent(run.Id);
        var engine = rental.Engine;
        var tokensRead = engine.PerStep ? new List<IReadOnlyList<string>?>() : null;
        var examples = RecordEncoder.Encode(request, engine, options.Value.MaxPredictRecords, options.Value.MaxSequenceLength,
            limiter.CheckSteps, tokensRead);
        request = null;
        var size = SizeOf(run, engine);
        // A dilated model pads each record to a multiple of its dilations, and a per-step model's answer holds every
        // step's probabilities: the engine's account of a record includes both.
        limiter.CheckRecords(examples, size.InferenceBytes, engine.PerStep);
        var classes = engine.Labels.ClassNames;
        var views = new List<PredictionView>(examples.Length);
        // A client that goes away (or the request's deadline) stops the work between chunks, and inside ONNX Runtime.
        foreach (var chunk in limiter.Chunks(examples, size.InferenceBytes))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (engine.PerStep)
            {
                foreach (var steps in engine.PredictSteps(chunk, cancellationToken))
                {
                    var i = views.Count;
                    views.Add(PredictionView.OfSteps(i, steps, tokensRead![i], classes, engine.Labels.IsRegression));
                }
            }
            else
            {
                foreach (var prediction in engine.PredictBatch(chunk, cancellationToken))
                    views.Add(PredictionView.Of(views.Count, prediction, classes));
            }
        }
        var activations = (long)examples.Length * size.InferenceBytes(examples.Max(e => e.Length));
        if (http.ContentLength > LargeRequestBytes || activations > LargeRequestBytes)
            http.HttpContext.Response.OnCompleted(ReturnMemory);
        return TypedResults.Ok(new PredictResponse(run.Id, engine.Name, engine.PerStep, [.. views]));
    }

    /// <summary>
    /// The size of the run's network, the engine's own account: the network is the one the run's stored request
    /// built. A request that no longer maps (a cell this build does not know) is refused.
    /// </summary>
    private static NetworkSize SizeOf(RunRecord run, IPredictionEngine engine)
    {
        Trainer.SequenceModelOptions options;
        try
        {
            options = RunRequestMapper.ToTrainerOptions(JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!);
        }
        catch (Exception e) when (e is ApiProblemException or JsonException)
        {
            throw new UnprocessableException($"Run {run.Id}: its stored request cannot be read ({e.Message}); its network's size is unknown.");
        }
        var outputs = engine.Labels.IsRegression || engine.Labels.ClassCount == 2 ? 1 : engine.Labels.ClassCount;
        return NetworkSize.Of(options, engine.InputKind, engine.FeatureCount, engine.Vocabulary?.Count ?? 0, outputs, engine.PerStep);
    }

    // After a large request: a compacting collection that gives the freed segments back to the system, run once
    // the response is sent so the client does not wait for it.
    private static Task ReturnMemory()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Task.CompletedTask;
    }
}
