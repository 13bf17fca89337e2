using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>
/// A sweep's view: its runs ranked by validation loss (lowest first; runs without one, unfinished or failed,
/// after them by id), each with the grid values it took and its gradient health, so the view answers which
/// remedy kept the gradient alive.
/// </summary>
internal static class SweepView
{
    public const string Metric = "valid_loss";

    public static Dictionary<string, object?> Of(SweepRecord sweep, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<long, RunHealth> health)
    {
        var request = JsonSerializer.Deserialize<SweepRequest>(sweep.Request, ApiJson.Options)!;
        var varied = request.Grid?.Select(g => g.Key).ToArray() ?? [];
        var ranked = runs
            .Select(run => (Run: run, Result: run.Result is null ? null : JsonNode.Parse(run.Result)))
            .Select(r => (r.Run, r.Result, Loss: (double?)r.Result?["valid_loss"]))
            .OrderBy(r => r.Loss is null).ThenBy(r => r.Loss).ThenBy(r => r.Run.Id)
            .ToArray();
        return new Dictionary<string, object?>
        {
            ["id"] = sweep.Id,
            ["name"] = sweep.Name,
            ["created_at"] = sweep.CreatedAt,
            ["grid"] = request.Grid,
            ["sample"] = request.Sample,
            ["metric"] = Metric,
            ["states"] = runs.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count()),
            ["runs"] = ranked.Select((r, i) => Entry(r.Run, r.Result, r.Loss, r.Loss is null ? null : i + 1, varied, health)).ToArray(),
        };
    }

    private static Dictionary<string, object?> Entry(RunRecord run, JsonNode? result, double? loss, int? rank, string[] varied,
        IReadOnlyDictionary<long, RunHealth> health)
    {
        var request = JsonNode.Parse(run.Request)!.AsObject();
        var stored = health.GetValueOrDefault(run.Id);
        return new Dictionary<string, object?>
        {
            ["rank"] = rank,
            ["id"] = run.Id,
            ["name"] = run.Name,
            ["state"] = run.State,
            ["worker"] = run.Worker,
            ["values"] = varied.ToDictionary(o => o, o => request[o]?.DeepClone()),
            ["valid_loss"] = loss,
            ["valid_accuracy"] = (double?)result?["valid_accuracy"],
            ["gradient"] = new Dictionary<string, object?>
            {
                ["final_log10_vanishing_ratio"] = stored?.FinalLog10VanishingRatio,
                ["clip_rate"] = stored?.ClipRate,
                ["non_finite_steps"] = (long?)result?["non_finite_steps"] ?? stored?.NonFiniteSteps,
                ["stored_steps"] = stored?.StoredSteps ?? 0,
            },
            ["links"] = new Dictionary<string, string> { ["run"] = $"/api/runs/{run.Id}" },
        };
    }
}
