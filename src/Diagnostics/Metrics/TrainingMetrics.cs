using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Recurrent.Diagnostics.Analysis;

namespace Recurrent.Diagnostics.Metrics;

/// <summary>
/// The instruments of the metric contract on <see cref="System.Diagnostics.Metrics"/>, fed by a trainer observer.
/// Each run gets a meter of its own named "Recurrent.Training" (tagged with the run): counters and gauges are
/// observable instruments reading the run's latest values, the two histograms are synchronous, and the run's clip
/// threshold is a boundary of its gradient-norm histogram. A finished run stays exported for a retention window,
/// then its meter is disposed, which removes all its series from any exporter. Service-wide gauges
/// (<c>recurrent_runs</c>, <c>recurrent_run_info</c>) live on one more meter of the same name. Any OpenTelemetry
/// exporter can read them; select this instance's meters with <see cref="Owns"/>. Thread-safe: several runs may
/// record concurrently while scrapes read.
/// </summary>
public sealed class TrainingMetrics : IDisposable
{
    private readonly ConcurrentDictionary<Meter, byte> _meters = new();
    private readonly RunRegistry _runs;
    private readonly Meter _serviceMeter;
    private readonly Lock _runStatesGate = new();
    private RunStateCounts _runStates;

    /// <summary>Creates the service meter; run meters are created as runs start.</summary>
    public TrainingMetrics(TrainingMetricsOptions? options = null)
    {
        options ??= new TrainingMetricsOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxFinishedRuns);
        double[] shared = [.. options.ClipThresholds.Where(t => double.IsFinite(t) && t > 0)];
        _runs = new RunRegistry(options.FinishedRunRetention, options.MaxFinishedRuns, options.TimeProvider,
            state => new RunInstruments(state, shared, _runs!.IsExported, meter => _meters[meter] = 0));
        _serviceMeter = new Meter(MetricNames.MeterName);
        _meters[_serviceMeter] = 0;
        _serviceMeter.CreateObservableGauge(MetricNames.Runs, ObserveRunStates, unit: "{run}",
            description: "Runs held by the service, by state.");
        _serviceMeter.CreateObservableGauge(MetricNames.RunInfo, ObserveRunInfo, unit: null,
            description: "1 for every exported run, with its state (running, or the state it finished in).");
    }

    /// <summary>
    /// True for the meters of this instance. Other instances in the process (tests, benchmarks) use the same meter
    /// name, so an exporter that adds the meter by name must drop every instrument whose meter this rejects.
    /// </summary>
    public bool Owns(Meter meter) => _meters.ContainsKey(meter);

    /// <summary>The run's grad-norm bucket boundaries (without +Inf); empty before its first step or when unknown.</summary>
    public IReadOnlyList<double> GradNormBoundaries(string runId) => _runs.Find(runId)?.GradNormBoundaries ?? [];

    /// <summary>Registers a run so its counters are exported at zero before its first step.</summary>
    public void RunStarted(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        _runs.GetOrStart(runId);
        _runs.RemoveExpired();
    }

    /// <summary>
    /// A run resumed from a checkpoint: its step counters continue from the checkpoint's counts, so a run that
    /// restarted or moved to another worker reports its own totals rather than the steps since it resumed (steps
    /// retrained after the checkpoint are counted once more: they ran twice). The clipped and non-finite counts are
    /// the trainer's, which its steps carry on from the checkpoint; given here they are exported before the first
    /// step. Sequences continue from the checkpoint's count likewise.
    /// </summary>
    public void RunResumed(string runId, long steps, long clippedSteps, long nonFiniteSteps, long sequences)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var run = _runs.GetOrStart(runId).State;
        lock (run.Gate)
        {
            run.Steps = Math.Max(run.Steps, steps);
            run.ClippedSteps = Math.Max(run.ClippedSteps, clippedSteps);
            run.NonFiniteSteps = Math.Max(run.NonFiniteSteps, nonFiniteSteps);
            run.Sequences = Math.Max(run.Sequences, sequences);
        }
    }

    /// <summary>Records one optimizer step; call after the backward pass, whether or not the update ran.</summary>
    /// <param name="runId">The run's id, exported as the <c>run</c> label.</param>
    /// <param name="snapshot">The step's snapshot; only read during the call.</param>
    /// <param name="analysis">This step's analysis, or null when the trainer did not analyse it.</param>
    /// <param name="stepSeconds">Wall time of the step.</param>
    public void RecordStep(string runId, GradientSnapshot snapshot, GradientAnalysisResult? analysis, double stepSeconds) =>
        RecordStep(runId, GradientRecord.Of(snapshot, analysis, stepSeconds));

    /// <summary>
    /// Records one optimizer step's record. The clipped and non-finite counters take the trainer's own counts from
    /// it (never lower than what they show already, so a counter never goes back); the first step's global-norm
    /// threshold becomes a boundary of the run's gradient-norm histogram.
    /// </summary>
    public void RecordStep(string runId, GradientRecord record)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(record);
        var instruments = _runs.GetOrStart(runId);
        var run = instruments.State;
        lock (run.Gate)
        {
            run.Steps++;
            run.Sequences += record.Sequences;
            run.ClippedSteps = Math.Max(run.ClippedSteps, record.ClippedSteps);
            run.NonFiniteSteps = Math.Max(run.NonFiniteSteps, record.NonFiniteSteps);
            run.ClipThreshold = record.GlobalNormThreshold;
            run.CopyGroupNorms(record.GroupNorms);
            run.CopyAnalysis(record);
        }
        instruments.RecordStep(record);
    }

    /// <summary>Records the end of an epoch; pass null for validation figures when there is no validation set.</summary>
    public void RecordEpoch(string runId, int epoch, double trainLoss, double trainAccuracy,
        double? validationLoss, double? validationAccuracy, double learningRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var run = _runs.GetOrStart(runId).State;
        lock (run.Gate)
        {
            run.Epoch = epoch;
            run.TrainLoss = trainLoss;
            run.TrainAccuracy = trainAccuracy;
            run.ValidationLoss = validationLoss ?? double.NaN;
            run.ValidationAccuracy = validationAccuracy ?? double.NaN;
            run.LearningRate = learningRate;
        }
    }

    /// <summary>Sets the counts exported as <c>recurrent_runs{state}</c>.</summary>
    public void SetRunStates(RunStateCounts counts)
    {
        lock (_runStatesGate)
            _runStates = counts;
    }

    /// <summary>
    /// Marks a run finished in <paramref name="state"/> (one of <see cref="RunOutcomes"/>): its series stay exported
    /// for the retention window, among the most recent finished runs, then vanish. Recording again makes it active.
    /// </summary>
    public void RunFinished(string runId, string state = RunOutcomes.Succeeded)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(state);
        _runs.Finish(runId, state);
    }

    /// <summary>
    /// Drops a run that goes on elsewhere (a fleet worker lost its lease): its series vanish now rather than stay
    /// "running" here while its new worker exports them too. A run that records again here starts anew.
    /// </summary>
    public void RunLeft(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        _runs.Remove(runId);
    }

    /// <summary>True while the run's series are exported: active, or finished within retention and count.</summary>
    public bool IsRunExported(string runId) => _runs.IsExported(runId);

    /// <summary>
    /// Disposes the meters of finished runs past the retention window or the count. Call it before each scrape:
    /// their counters and gauges are already absent by then, and an exporter reports a disposed histogram's final
    /// values once more, so they are gone from the scrape after.
    /// </summary>
    public void RemoveExpiredRuns() => _runs.RemoveExpired();

    /// <summary>Disposes every meter; the instruments stop reporting.</summary>
    public void Dispose()
    {
        _runs.Dispose();
        _serviceMeter.Dispose();
        _meters.Clear();
    }

    private Measurement<long>[] ObserveRunStates()
    {
        RunStateCounts counts;
        lock (_runStatesGate)
            counts = _runStates;
        return
        [
            new(counts.Queued, new KeyValuePair<string, object?>("state", "queued")),
            new(counts.Running, new KeyValuePair<string, object?>("state", RunOutcomes.Running)),
            new(counts.Succeeded, new KeyValuePair<string, object?>("state", RunOutcomes.Succeeded)),
            new(counts.Failed, new KeyValuePair<string, object?>("state", RunOutcomes.Failed)),
            new(counts.Cancelled, new KeyValuePair<string, object?>("state", RunOutcomes.Cancelled)),
        ];
    }

    private List<Measurement<int>> ObserveRunInfo()
    {
        var measurements = new List<Measurement<int>>();
        foreach (var run in _runs.Exported())
        {
            string state;
            lock (run.Gate)
                state = run.Outcome;
            measurements.Add(new(1, run.RunTag, new("state", state)));
        }
        return measurements;
    }
}
