using System.Text.Json;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>
/// Checks a sweep and queues its runs: the one path of <c>POST /api/sweeps</c> and <c>recurrent sweep</c>. Every
/// combination passes the checks of <c>POST /api/runs</c> (options, limits, data) before any run is stored.
/// </summary>
internal sealed class SweepQueue(PgSweepStore sweeps, RunData data, ServiceOptions options)
{
    public SweepRecord Queue(SweepRequest sweep)
    {
        sweep.Name = SweepPlanner.NameOf(sweep);
        var points = SweepPlanner.Expand(sweep, options.MaxSweepRuns, Check);
        var members = points.Select((point, i) =>
        {
            point.Request.Name = $"{sweep.Name}-{i + 1}";
            return (point.Request.Name, JsonSerializer.Serialize(point.Request, ApiJson.Options));
        }).ToArray();
        return sweeps.Create(sweep.Name, JsonSerializer.Serialize(sweep, ApiJson.Options), members)
            ?? throw new ConflictException("name",
                $"name: a sweep named '{sweep.Name}' exists already, or a run named '{sweep.Name}-N' does.");
    }

    private void Check(RunRequest request)
    {
        var trainerOptions = RunRequestMapper.ToTrainerOptions(request);
        RunLimits.CheckOptions(request, trainerOptions, options.Runs, options.MaxSequenceLength);
        if (EncoderDecoderRuns.Applies(request, data.Datasets))
            EncoderDecoderRuns.Check(request, trainerOptions, options, data.Datasets);
        else
            RunLimits.CheckSize(request, trainerOptions, data.Describe(request), options.Runs);
    }
}
