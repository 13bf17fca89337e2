using System.Text.Json;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Gradients;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;
using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// A run as responses show it: stored facts, plus live figures while this process trains it (or, once it has
/// ended, those of its last stored step).
/// </summary>
internal static class RunView
{
    public static RunSummaryView Summary(RunRecord run, LiveRun? live, GradientRecord? ended = null) =>
        Summary(run, Request(run), live, ended);

    public static RunDetailView Detail(RunRecord run, LiveRun? live, IReadOnlyList<EpochRecord> epochs, GradientRecord? ended)
    {
        var request = Request(run);
        var result = run.Result is null ? null : JsonSerializer.Deserialize<RunResult>(run.Result, ApiJson.Options);
        return new RunDetailView(Summary(run, request, live, ended), request, result, [.. epochs], live?.Progress.Last);
    }

    private static RunSummaryView Summary(RunRecord run, RunRequest request, LiveRun? live, GradientRecord? ended)
    {
        var progress = live?.Progress;
        var step = Math.Max(run.Step, progress?.Step ?? 0);
        var epoch = Math.Max(run.Epoch, progress?.Epoch ?? 0);
        double? fraction = run.State == RunStates.Succeeded ? 1
            : progress is { BatchesPerEpoch: > 0 } p && request.Epochs > 0
                ? Math.Min(1, (double)step / ((long)p.BatchesPerEpoch * request.Epochs))
                : null;
        var latest = progress is { Last: { } last }
            ? new RunLatestView(Finite(last.Loss), progress.ClipRate, progress.LastLog10VanishingRatio)
            : ended is null ? null : new RunLatestView(Finite(ended.Loss), ended.ClipRate, ended.Log10VanishingRatio);
        return new RunSummaryView(run.Id, run.Name, run.State, request.Data, request.DatasetId, TrainingOptions.ValueName(request.Cell),
            request.Dilations?.ToArray(), request.ClipNorm, run.CreatedAt, run.StartedAt, run.FinishedAt,
            new RunProgressView(step, epoch, request.Epochs, progress?.BatchInEpoch, progress?.BatchesPerEpoch, fraction,
                run.CheckpointStep),
            latest, run.Error, run.Worker, run.Attempts, run.SweepId, RunLinks.Of(run.Id));
    }

    private static RunRequest Request(RunRecord run) => JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!;

    public static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
