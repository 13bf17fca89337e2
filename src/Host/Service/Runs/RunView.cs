using System.Text.Json;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The JSON shape of a run in responses: stored facts, plus live figures while this process trains it (or, once it
/// has ended, the figures it ended with).
/// </summary>
internal static class RunView
{
    public static Dictionary<string, object?> Summary(RunRecord run, LiveRun? live, StoredRunSummary? ended = null)
    {
        var request = JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!;
        var progress = live?.Progress;
        var step = Math.Max(run.Step, progress?.Step ?? 0);
        var epoch = Math.Max(run.Epoch, progress?.Epoch ?? 0);
        double? fraction = run.State == RunStates.Succeeded ? 1
            : progress is { BatchesPerEpoch: > 0 } p && request.Epochs > 0
                ? Math.Min(1, (double)step / ((long)p.BatchesPerEpoch * request.Epochs))
                : null;
        return new Dictionary<string, object?>
        {
            ["id"] = run.Id,
            ["name"] = run.Name,
            ["state"] = run.State,
            ["data"] = request.Data,
            ["dataset_id"] = request.DatasetId,
            ["cell"] = request.Cell.ToLowerInvariant(),
            ["dilations"] = request.Dilations,
            ["clip_norm"] = request.ClipNorm,
            ["created_at"] = run.CreatedAt,
            ["started_at"] = run.StartedAt,
            ["finished_at"] = run.FinishedAt,
            ["progress"] = new Dictionary<string, object?>
            {
                ["step"] = step,
                ["epoch"] = epoch,
                ["epochs"] = request.Epochs,
                ["batch_in_epoch"] = progress?.BatchInEpoch,
                ["batches_per_epoch"] = progress?.BatchesPerEpoch,
                ["fraction"] = fraction,
                ["checkpoint_step"] = run.CheckpointStep,
            },
            ["latest"] = progress is { Step: > 0 }
                ? new Dictionary<string, object?>
                {
                    ["loss"] = Finite(progress.Loss),
                    ["clip_rate"] = progress.ClipRate,
                    ["log10_vanishing_ratio"] = progress.Log10VanishingRatio,
                }
                : ended is null ? null : new Dictionary<string, object?>
                {
                    ["loss"] = Finite(ended.Loss),
                    ["clip_rate"] = ended.ClipRate,
                    ["log10_vanishing_ratio"] = ended.Log10VanishingRatio,
                },
            ["error"] = run.Error,
            ["worker"] = run.Worker,
            ["attempts"] = run.Attempts,
            ["sweep_id"] = run.SweepId,
            ["links"] = new Dictionary<string, string>
            {
                ["self"] = $"/api/runs/{run.Id}",
                ["gradients"] = $"/api/runs/{run.Id}/gradients",
                ["model_onnx"] = $"/api/runs/{run.Id}/model.onnx",
                ["predict"] = $"/api/runs/{run.Id}/predict",
                ["cancel"] = $"/api/runs/{run.Id}/cancel",
            },
        };
    }

    public static Dictionary<string, object?> Detail(RunRecord run, LiveRun? live, IReadOnlyList<EpochRecord> epochs,
        StoredRunSummary? ended)
    {
        var view = Summary(run, live, ended);
        view["request"] = JsonSerializer.Deserialize<JsonElement>(run.Request);
        view["result"] = run.Result is null ? null : JsonSerializer.Deserialize<JsonElement>(run.Result);
        view["epoch_history"] = epochs;
        var last = live?.History.Since(0, 1) is [var point] ? point : null;
        view["gradient"] = last is null ? null : new Dictionary<string, object?>
        {
            ["step"] = last.Step,
            ["grad_norm"] = Finite(last.GradNorm),
            ["clipped"] = last.Clipped,
            ["log10_vanishing_ratio"] = last.Log10VanishingRatio,
            ["memory_horizon"] = last.MemoryHorizon,
        };
        return view;
    }

    public static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
