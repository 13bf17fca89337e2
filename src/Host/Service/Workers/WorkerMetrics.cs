using System.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// A fleet worker's load on its own /metrics, labelled by worker id: <c>recurrent_worker_active_runs</c> (runs it
/// trains now), <c>recurrent_worker_capacity_runs</c> (its MaxConcurrentRuns) and <c>recurrent_worker_store_up</c>
/// (1 while it reaches the PostgreSQL store). Only in fleet mode, so the embedded service's metric contract is
/// unchanged. Each worker reports only itself, so a sum across instances counts every worker once.
/// </summary>
internal sealed class WorkerMetrics : IDisposable
{
    public const string MeterName = "Recurrent.Worker";

    public WorkerMetrics(WorkerIdentity worker, WorkerLoad load, FleetHealth health)
    {
        Meter = new Meter(MeterName);
        var tag = new KeyValuePair<string, object?>("worker", worker.Id);
        Meter.CreateObservableGauge("recurrent_worker_active_runs", () => new Measurement<int>(load.Active, tag),
            description: "Runs this worker trains now.");
        Meter.CreateObservableGauge("recurrent_worker_capacity_runs", () => new Measurement<int>(worker.Concurrency, tag),
            description: "Runs this worker trains at most at once (Recurrent:MaxConcurrentRuns).");
        Meter.CreateObservableGauge("recurrent_worker_store_up", () => new Measurement<int>(health.Problem is null ? 1 : 0, tag),
            description: "1 while this worker reaches the fleet's PostgreSQL store, else 0.");
    }

    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();
}
