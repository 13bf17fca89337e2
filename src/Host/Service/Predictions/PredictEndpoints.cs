using System.Runtime;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>POST /api/runs/{id}/predict: records in, one prediction per record out, with the engine that answered.</summary>
internal static class PredictEndpoints
{
    // A request whose body or activations were this large has its memory handed back to the system afterwards.
    private const long LargeRequestBytes = 8L << 20;

    public static void Map(RouteGroupBuilder writes) => writes.MapPost("/runs/{id}/predict", PredictAsync);

    private static async Task<IResult> PredictAsync(string id, HttpRequest http, RunStore runs, PredictionEngines engines,
        PredictionLimiter limiter, IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        var run = RunEndpoints.Find(runs, id);
        // The slot is taken before the body is read: parsing a large request costs memory too.
        using var slot = await limiter.EnterAsync(cancellationToken);
        var request = await ApiJson.ReadAsync<PredictRequest>(http, cancellationToken);
        if (run.State != RunStates.Succeeded)
            return Problems.Conflict($"Run {run.Id} is {run.State}; it predicts once it has succeeded.");
        var engine = engines.For(run.Id);
        var examples = RecordEncoder.Encode(request, engine, options.Value.MaxPredictRecords, options.Value.MaxSequenceLength,
            limiter.CheckSteps);
        request = null;
        var bytesPerRowStep = BytesPerRowStep(JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!, engine);
        limiter.CheckRecords(examples, bytesPerRowStep);
        var predictions = new List<Prediction>(examples.Length);
        foreach (var chunk in limiter.Chunks(examples, bytesPerRowStep))
            predictions.AddRange(engine.PredictBatch(chunk));
        var activations = examples.Max(e => e.Length) * (long)examples.Length * bytesPerRowStep;
        if (http.ContentLength > LargeRequestBytes || activations > LargeRequestBytes)
            http.HttpContext.Response.OnCompleted(ReturnMemory);
        var classes = engine.Labels.ClassNames;
        var rows = predictions.Select((p, i) => p.Label is null
            ? new Dictionary<string, object?> { ["record"] = i, ["value"] = p.Value }
            : new Dictionary<string, object?>
            {
                ["record"] = i,
                ["label"] = p.Label,
                ["probabilities"] = classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => p.Probabilities[x.k]),
            }).ToArray();
        return Results.Json(new Dictionary<string, object?> { ["run_id"] = run.Id, ["engine"] = engine.Name, ["predictions"] = rows },
            ApiJson.Options);
    }

    /// <summary>Activation bytes per record and step: every layer and direction's gates and states, and the input.</summary>
    private static long BytesPerRowStep(RunRequest r, IPredictionEngine engine)
    {
        var cell = Enum.TryParse<RecurrentCellKind>(r.Cell, ignoreCase: true, out var c) ? c : RecurrentCellKind.Lstm;
        long perStep = (long)r.Layers * (r.Bidirectional ? 2 : 1) * (RunLimits.GateCount(cell) + 2) * r.Hidden
            + (engine.InputKind == InputKind.Tokens ? r.Embedding : engine.FeatureCount);
        return perStep * sizeof(float);
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
