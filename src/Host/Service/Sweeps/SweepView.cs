using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>
/// A sweep's view: its runs ranked by validation loss (lowest first; runs without one, unfinished or failed,
/// after them by id), each with the grid values it took and its gradient health, so the view answers which
/// remedy kept the gradient alive.
/// </summary>
internal static class SweepView
{
    public const string Metric = "valid_loss";

    public static SweepDetailView Of(SweepRecord sweep, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<long, SweepRunHealth> health)
    {
        var request = JsonSerializer.Deserialize<SweepRequest>(sweep.Request, ApiJson.Options)!;
        var varied = request.Grid?.Select(g => g.Key).ToArray() ?? [];
        var ranked = runs
            .Select(run => (Run: run, Result: run.Result is null ? null : JsonNode.Parse(run.Result)))
            .Select(r => (r.Run, r.Result, Loss: (double?)r.Result?["valid_loss"]))
            .OrderBy(r => r.Loss is null).ThenBy(r => r.Loss).ThenBy(r => r.Run.Id)
            .ToArray();
        return new SweepDetailView(sweep.Id, sweep.Name, sweep.CreatedAt, request.Grid, request.Sample, Metric,
            runs.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count()),
            [.. ranked.Select((r, i) => Entry(r.Run, r.Result, r.Loss, r.Loss is null ? null : i + 1, varied, health))]);
    }

    public static SweepListItem Item(SweepRecord sweep) =>
        new(sweep.Id, sweep.Name, sweep.CreatedAt, new SweepLinks($"/api/sweeps/{sweep.Id}"));

    private static SweepRunView Entry(RunRecord run, JsonNode? result, double? loss, int? rank, string[] varied,
        IReadOnlyDictionary<long, SweepRunHealth> health)
    {
        var request = JsonNode.Parse(run.Request)!.AsObject();
        var stored = health.GetValueOrDefault(run.Id) is { } h
            ? new SweepGradientView(h.FinalLog10VanishingRatio, h.ClipRate, h.NonFiniteSteps, h.StoredSteps)
            : SweepGradientView.None;
        return new SweepRunView(rank, run.Id, run.Name, run.State, run.Worker,
            varied.ToDictionary(o => o, o => request[o]?.DeepClone()), loss, (double?)result?["valid_accuracy"],
            stored with { NonFiniteSteps = (long?)result?["non_finite_steps"] ?? stored.NonFiniteSteps },
            new SweepRunLinks($"/api/runs/{run.Id}"));
    }
}
