using System.Diagnostics.Metrics;
using System.Globalization;

namespace Recurrent.Diagnostics;

/// <summary>
/// The instruments of the metric contract on one <see cref="System.Diagnostics.Metrics.Meter"/> named
/// "Recurrent.Training", fed by a trainer observer. Counters and gauges are observable instruments reading the
/// latest per-run values, so a run's series disappear as soon as it leaves the retention window; the two
/// histograms are synchronous, and the exposition hides their series for runs no longer exported (see
/// <see cref="IsRunExported"/>). Thread-safe: several runs may record concurrently while scrapes read.
/// </summary>
public sealed class TrainingMetrics : IDisposable
{
    private static readonly string[] StepsBackLabels =
        [.. GradientAnalysisResult.ProfileStepsBack.ToArray().Select(k => k.ToString(CultureInfo.InvariantCulture))];

    private readonly RunRegistry _runs;
    private readonly Histogram<double> _gradNorm;
    private readonly Histogram<double> _stepDuration;
    private readonly Lock _runStatesGate = new();
    private RunStateCounts _runStates;

    /// <summary>Creates the meter and its instruments.</summary>
    public TrainingMetrics(TrainingMetricsOptions? options = null)
    {
        options ??= new TrainingMetricsOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxFinishedRuns);
        _runs = new RunRegistry(options.FinishedRunRetention, options.MaxFinishedRuns, options.TimeProvider);
        GradNormBoundaries = HistogramBuckets.GradientNorm(options.ClipThresholds);
        Meter = new Meter(MetricNames.MeterName);

        Counter(MetricNames.TrainSteps, "{step}", "Optimizer steps attempted.", r => r.Steps);
        Counter(MetricNames.TrainSequences, "{sequence}", "Sequences processed.", r => r.Sequences);
        Counter(MetricNames.GradClippedSteps, "{step}",
            "Steps whose pre-clip gradient exceeded the clip threshold (any element, for value clipping).", r => r.ClippedSteps);
        Counter(MetricNames.GradNonFiniteSteps, "{step}", "Steps whose loss or gradients held NaN or Inf; their update was skipped.",
            r => r.NonFiniteSteps);

        _gradNorm = Meter.CreateHistogram(MetricNames.GradNorm, unit: null,
            description: "Pre-clip global L2 norm of the gradient per step; the clip threshold is a bucket boundary.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = GradNormBoundaries });
        _stepDuration = Meter.CreateHistogram(MetricNames.TrainStepDuration, unit: "s",
            description: "Wall time of one optimizer step.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.StepDurationSeconds() });

        Gauge(MetricNames.GradClipThreshold, null, "Configured global-norm clip threshold (absent when not clipping by norm).",
            r => r.ClipThreshold);
        Meter.CreateObservableGauge(MetricNames.GradParamNorm, ObserveParamNorms, unit: null,
            description: "Last pre-clip L2 gradient norm per parameter group.");
        Gauge(MetricNames.GradVanishingLog10Ratio, null,
            "Median over the last measured batch of log10 g_1/g_T (adjoint norm at the oldest step over the loss step).",
            r => r.VanishingLog10Ratio);
        Gauge(MetricNames.GradDecayLog10PerStep, null,
            "Median over the last measured batch of log10(g_1/g_T)/(T-1): decades of gradient lost per step back.",
            r => r.DecayLog10PerStep);
        Gauge(MetricNames.GradMemoryHorizonSteps, "{step}",
            "Largest k whose batch-median g_(T-k)/g_T is at least 1e-3: steps back the gradient still carries.",
            r => r.MemoryHorizonSteps < 0 ? double.NaN : r.MemoryHorizonSteps);
        Meter.CreateObservableGauge(MetricNames.GradProfileLog10, ObserveProfile, unit: null,
            description: "Batch-median log10 g_(T-k)/g_T for k = steps_back (k < T only). With truncated BPTT it covers the truncation window only.");
        Meter.CreateObservableGauge(MetricNames.JacobianBound, ObserveJacobianBounds, unit: null,
            description: "gamma * sigma_max(W_hh) per layer: below 1 guarantees vanishing gradients (an exact bound for Elman cells only).");
        Gauge(MetricNames.TrainLoss, null, "Training loss of the last epoch.", r => r.TrainLoss);
        Gauge(MetricNames.ValidationLoss, null, "Validation loss of the last evaluation.", r => r.ValidationLoss);
        Gauge(MetricNames.TrainAccuracy, "1", "Training accuracy of the last epoch, 0 to 1.", r => r.TrainAccuracy);
        Gauge(MetricNames.ValidationAccuracy, "1", "Validation accuracy of the last evaluation, 0 to 1.", r => r.ValidationAccuracy);
        Gauge(MetricNames.TrainEpoch, "{epoch}", "Last completed epoch, counting from 1.", r => r.Epoch == 0 ? double.NaN : r.Epoch);
        Gauge(MetricNames.LearningRate, null, "Learning rate in effect at the end of the last epoch.", r => r.LearningRate);
        Meter.CreateObservableGauge(MetricNames.Runs, ObserveRunStates, unit: "{run}",
            description: "Runs held by the service, by state.");
    }

    /// <summary>The meter owning every instrument; give it to a <c>MetricsCollector</c>.</summary>
    public Meter Meter { get; }

    /// <summary>The grad-norm histogram's bucket boundaries (without +Inf).</summary>
    public IReadOnlyList<double> GradNormBoundaries { get; }

    /// <summary>Registers a run so its counters are exported at zero before its first step.</summary>
    public void RunStarted(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        _runs.GetOrStart(runId);
    }

    /// <summary>Records one optimizer step; call after the backward pass, whether or not the update ran.</summary>
    /// <param name="runId">The run's id, exported as the <c>run</c> label.</param>
    /// <param name="snapshot">The step's snapshot; only read during the call.</param>
    /// <param name="analysis">This step's analysis, or null when the trainer did not analyse it.</param>
    /// <param name="stepSeconds">Wall time of the step.</param>
    public void RecordStep(string runId, GradientSnapshot snapshot, GradientAnalysisResult? analysis, double stepSeconds)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(snapshot);
        var run = _runs.GetOrStart(runId);
        lock (run.Gate)
        {
            run.Steps++;
            run.Sequences += snapshot.BatchSize;
            if (snapshot.Clipped)
                run.ClippedSteps++;
            if (snapshot.NonFinite)
                run.NonFiniteSteps++;
            run.ClipThreshold = snapshot.ClipMode == ClipMode.GlobalNorm ? snapshot.ClipThreshold : double.NaN;
            run.CopyParamNorms(snapshot.GroupNames, snapshot.GroupNorms);
            if (analysis is not null)
                run.CopyAnalysis(analysis);
        }
        if (double.IsFinite(snapshot.PreClipNorm))
            _gradNorm.Record(snapshot.PreClipNorm, run.RunTag);
        if (double.IsFinite(stepSeconds) && stepSeconds >= 0)
            _stepDuration.Record(stepSeconds, run.RunTag);
    }

    /// <summary>Records the end of an epoch; pass null for validation figures when there is no validation set.</summary>
    public void RecordEpoch(string runId, int epoch, double trainLoss, double trainAccuracy,
        double? validationLoss, double? validationAccuracy, double learningRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var run = _runs.GetOrStart(runId);
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
    /// Marks a run finished: its series stay exported for the retention window, among the most recent finished
    /// runs, then vanish. Recording again makes it active again.
    /// </summary>
    public void RunFinished(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        _runs.Finish(runId);
    }

    /// <summary>True while the run's series are exported: active, or finished within retention and count.</summary>
    public bool IsRunExported(string runId) => _runs.IsExported(runId);

    /// <summary>Disposes the meter; its instruments stop reporting.</summary>
    public void Dispose() => Meter.Dispose();

    private void Counter(string name, string unit, string description, Func<RunState, long> read) =>
        Meter.CreateObservableCounter(name, () => ObservePerRun(read), unit, description);

    private void Gauge(string name, string? unit, string description, Func<RunState, double> read) =>
        Meter.CreateObservableGauge(name, () => ObservePerRun(read), unit, description);

    private List<Measurement<T>> ObservePerRun<T>(Func<RunState, T> read)
        where T : struct
    {
        var measurements = new List<Measurement<T>>();
        foreach (var run in _runs.Exported())
        {
            T value;
            lock (run.Gate)
                value = read(run);
            // NaN marks "never measured" (or not applicable): such series are absent, never NaN.
            if (value is not double d || double.IsFinite(d))
                measurements.Add(new Measurement<T>(value, run.RunTag));
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveParamNorms()
    {
        var measurements = new List<Measurement<double>>();
        foreach (var run in _runs.Exported())
        {
            lock (run.Gate)
            {
                for (int i = 0; i < run.ParamNames.Length; i++)
                {
                    if (double.IsFinite(run.ParamNorms[i]))
                        measurements.Add(new(run.ParamNorms[i], run.RunTag, new("param", run.ParamNames[i])));
                }
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveProfile()
    {
        var measurements = new List<Measurement<double>>();
        foreach (var run in _runs.Exported())
        {
            lock (run.Gate)
            {
                for (int i = 0; i < run.ProfileLength; i++)
                    measurements.Add(new(run.ProfileLog10[i], run.RunTag, new("steps_back", StepsBackLabels[i])));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveJacobianBounds()
    {
        var measurements = new List<Measurement<double>>();
        foreach (var run in _runs.Exported())
        {
            lock (run.Gate)
            {
                for (int i = 0; i < run.JacobianLayers.Length; i++)
                {
                    if (double.IsFinite(run.JacobianBounds[i]))
                        measurements.Add(new(run.JacobianBounds[i], run.RunTag, new("layer", run.JacobianLayers[i])));
                }
            }
        }
        return measurements;
    }

    private Measurement<long>[] ObserveRunStates()
    {
        RunStateCounts counts;
        lock (_runStatesGate)
            counts = _runStates;
        return
        [
            new(counts.Queued, new KeyValuePair<string, object?>("state", "queued")),
            new(counts.Running, new KeyValuePair<string, object?>("state", "running")),
            new(counts.Succeeded, new KeyValuePair<string, object?>("state", "succeeded")),
            new(counts.Failed, new KeyValuePair<string, object?>("state", "failed")),
            new(counts.Cancelled, new KeyValuePair<string, object?>("state", "cancelled")),
        ];
    }
}
