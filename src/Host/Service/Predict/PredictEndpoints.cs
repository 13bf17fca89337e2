using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Predict;

/// <summary>POST /api/runs/{id}/predict: records in, one prediction per record out, with the engine that answered.</summary>
internal static class PredictEndpoints
{
    public static void Map(RouteGroupBuilder writes) => writes.MapPost("/runs/{id}/predict", PredictAsync);

    private static async Task<IResult> PredictAsync(string id, HttpRequest http, RunStore runs, PredictionEngines engines,
        IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        var run = RunEndpoints.Find(runs, id);
        var request = await ApiJson.ReadAsync<PredictRequest>(http, cancellationToken);
        if (run.State != RunStates.Succeeded)
            return Problems.Conflict($"Run {run.Id} is {run.State}; it predicts once it has succeeded.");
        var engine = engines.For(run.Id);
        var examples = RecordEncoder.Encode(request, engine, options.Value.MaxPredictRecords, options.Value.MaxSequenceLength);
        var predictions = engine.PredictBatch(examples);
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
}
