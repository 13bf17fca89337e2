using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>
/// A sweep run's gradient health over its stored steps (nulls and 0 stored steps when it stored none); the
/// non-finite count is its result's when it has one.
/// </summary>
internal sealed record SweepGradientView(double? FinalLog10VanishingRatio, double? ClipRate, long? NonFiniteSteps, long StoredSteps)
{
    public static SweepGradientView None { get; } = new(null, null, null, 0);
}

internal sealed record SweepRunLinks(string Run);

/// <summary>One run of a sweep: its rank by validation loss (null while it has none), the grid values it took, its health.</summary>
internal sealed record SweepRunView(int? Rank, long Id, string Name, string State, string? Worker,
    Dictionary<string, JsonNode?> Values, double? ValidLoss, double? ValidAccuracy,
    SweepGradientView Gradient, SweepRunLinks Links);

/// <summary>GET /api/sweeps/{id}, and the answer of POST /api/sweeps.</summary>
internal sealed record SweepDetailView(long Id, string Name, DateTimeOffset CreatedAt, JsonObject? Grid,
    int? Sample, string Metric, Dictionary<string, int> States, SweepRunView[] Runs);

internal sealed record SweepLinks(string Self);

internal sealed record SweepListItem(long Id, string Name, DateTimeOffset CreatedAt, SweepLinks Links);

/// <summary>GET /api/sweeps.</summary>
internal sealed record SweepList(SweepListItem[] Sweeps);

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
