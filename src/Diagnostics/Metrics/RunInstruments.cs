using System.Diagnostics.Metrics;
using System.Globalization;
using Recurrent.Diagnostics.Analysis;

namespace Recurrent.Diagnostics.Metrics;

/// <summary>
/// The per-run instruments of the metric contract on a meter of their own (named "Recurrent.Training", tagged with
/// the run). A meter per run is what lets a finished run's series go, histograms included (disposing the meter
/// removes its streams from any exporter), and lets the run's clip threshold be a bucket boundary of its own
/// gradient-norm histogram (boundaries are fixed when an instrument is created).
/// </summary>
internal sealed class RunInstruments : IDisposable
{
    private static readonly string[] StepsBackLabels =
        [.. GradientAnalysisResult.ProfileStepsBack.ToArray().Select(k => k.ToString(CultureInfo.InvariantCulture))];

    private readonly IReadOnlyList<double> _sharedThresholds;
    private readonly Func<RunState, bool> _isExported;
    private readonly Histogram<double> _stepDuration;
    private Histogram<double>? _gradNorm;

    /// <param name="state">The run's latest values.</param>
    /// <param name="sharedThresholds">Clip thresholds every run's histogram has as boundaries.</param>
    /// <param name="isExported">Whether the run is inside its retention window now (read by every callback).</param>
    /// <param name="register">Told of the meter before any instrument exists, so exporters can select it.</param>
    public RunInstruments(RunState state, IReadOnlyList<double> sharedThresholds, Func<RunState, bool> isExported,
        Action<Meter> register)
    {
        State = state;
        _sharedThresholds = sharedThresholds;
        _isExported = isExported;
        Meter = new Meter(new MeterOptions(MetricNames.MeterName) { Tags = [state.RunTag] });
        register(Meter);

        Counter(MetricNames.TrainSteps, "{step}", "Optimizer steps attempted.", r => r.Steps);
        Counter(MetricNames.TrainSequences, "{sequence}", "Sequences processed.", r => r.Sequences);
        Counter(MetricNames.GradClippedSteps, "{step}",
            "Steps whose pre-clip gradient exceeded the clip threshold (any element, for value clipping).", r => r.ClippedSteps);
        Counter(MetricNames.GradNonFiniteSteps, "{step}", "Steps whose loss or gradients held NaN or Inf; their update was skipped.",
            r => r.NonFiniteSteps);
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
            description: "gamma * sigma_max(W_hh) per layer, bounding the Jacobian over the layer's dilation in steps: below 1 guarantees vanishing gradients (an exact bound for Elman cells only).");
        Meter.CreateObservableGauge(MetricNames.SkipUpdateRatio, ObserveUpdateShares, unit: "1",
            description: "Models with skip updates (Skip RNN): per layer, the share of the last step's sequence steps at which the learned gates updated the state (both directions together), 0 to 1; the rest were skipped.");
        Meter.CreateObservableGauge(MetricNames.PathVanishingLog10Ratio, () => ObservePaths(p => p.Log10VanishingRatio),
            unit: null, description: "Detail layer or block: per layer and direction, the batch-median log10 g_1/g_T of that path's own adjoint.");
        Meter.CreateObservableGauge(MetricNames.PathMemoryHorizonSteps, () => ObservePaths(p => p.MemoryHorizon),
            unit: "{step}", description: "Detail layer or block: per layer and direction, steps back the path's batch-median gradient stays above 1e-3 of its value at the loss.");
        Meter.CreateObservableGauge(MetricNames.PathProfileLog10, ObservePathProfiles, unit: null,
            description: "Detail layer or block: per layer and direction, the batch-median log10 g_(T-k)/g_T of the path for k = steps_back.");
        Meter.CreateObservableGauge(MetricNames.GradBlockNorm, () => ObserveBlocks(b => b.GradNorm), unit: null,
            description: "Detail block: pre-clip L2 gradient norm per parameter block (W_xh, W_hh, b per gate; the head's W_hy, b_y).");
        Meter.CreateObservableGauge(MetricNames.WeightBlockNorm, () => ObserveBlocks(b => b.WeightNorm), unit: null,
            description: "Detail block: L2 norm of each parameter block's weights before the update.");
        Meter.CreateObservableGauge(MetricNames.UpdateRatio, () => ObserveBlocks(b => b.UpdateRatio ?? double.NaN), unit: "1",
            description: "Detail block: ||W_after - W_before|| / ||W_before|| of each parameter block's last update (rule of thumb: about 1e-3).");
        Meter.CreateObservableGauge(MetricNames.SaturationRatio, ObserveSaturation, unit: "1",
            description: "Detail layer or block: per layer and direction, the share of gate values within 0.02 of 0 or 1 (unit i, f, o, z, r), of states with |h| > 0.97 (tanh), or of ReLU units zero over the whole batch (relu_dead).");
        Gauge(MetricNames.DetailStep, "{step}",
            "Detail layer or block: the optimizer step at which the path, block and saturation figures were last measured (the first step, then every gradient_detail_every steps).",
            r => r.DetailStep);
        Gauge(MetricNames.TrainLoss, null, "Training loss of the last epoch.", r => r.TrainLoss);
        Gauge(MetricNames.ValidationLoss, null, "Validation loss of the last evaluation.", r => r.ValidationLoss);
        Gauge(MetricNames.TrainAccuracy, "1", "Training accuracy of the last epoch, 0 to 1.", r => r.TrainAccuracy);
        Gauge(MetricNames.ValidationAccuracy, "1", "Validation accuracy of the last evaluation, 0 to 1.", r => r.ValidationAccuracy);
        Gauge(MetricNames.TrainEpoch, "{epoch}", "Last completed epoch, counting from 1.", r => r.Epoch == 0 ? double.NaN : r.Epoch);
        Gauge(MetricNames.LearningRate, null, "Learning rate in effect at the end of the last epoch.", r => r.LearningRate);
    }

    public RunState State { get; }

    public Meter Meter { get; }

    /// <summary>The grad-norm histogram's boundaries (without +Inf); empty until the run's first step.</summary>
    public IReadOnlyList<double> GradNormBoundaries { get; private set; } = [];

    /// <summary>Records a step's norm and duration; the first step fixes the histogram's boundaries.</summary>
    public void RecordStep(GradientRecord record)
    {
        _gradNorm ??= CreateGradNorm(record.GlobalNormThreshold);
        if (double.IsFinite(record.GradNorm))
            _gradNorm.Record(record.GradNorm, State.RunTag);
        if (double.IsFinite(record.StepSeconds) && record.StepSeconds >= 0)
            _stepDuration.Record(record.StepSeconds, State.RunTag);
    }

    /// <summary>Disposes the meter: every exporter drops the run's streams.</summary>
    public void Dispose() => Meter.Dispose();

    private Histogram<double> CreateGradNorm(double clipThreshold)
    {
        lock (State.Gate)
        {
            if (_gradNorm is not null)
                return _gradNorm;
            var boundaries = HistogramBuckets.GradientNorm([.. _sharedThresholds, clipThreshold]);
            GradNormBoundaries = boundaries;
            return Meter.CreateHistogram(MetricNames.GradNorm, unit: null,
                description: "Pre-clip global L2 norm of the gradient per step; the clip threshold is a bucket boundary.",
                tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = boundaries });
        }
    }

    private void Counter(string name, string unit, string description, Func<RunState, long> read) =>
        Meter.CreateObservableCounter(name, () => Observe(read), unit, description);

    private void Gauge(string name, string? unit, string description, Func<RunState, double> read) =>
        Meter.CreateObservableGauge(name, () => Observe(read), unit, description);

    private List<Measurement<T>> Observe<T>(Func<RunState, T> read)
        where T : struct
    {
        var measurements = new List<Measurement<T>>(1);
        if (!_isExported(State))
            return measurements;
        T value;
        lock (State.Gate)
            value = read(State);
        // NaN marks "never measured" (or not applicable): such series are absent, never NaN.
        if (value is not double d || double.IsFinite(d))
            measurements.Add(new Measurement<T>(value, State.RunTag));
        return measurements;
    }

    private List<Measurement<double>> ObserveParamNorms()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            for (int i = 0; i < State.ParamNames.Length; i++)
            {
                if (double.IsFinite(State.ParamNorms[i]))
                    measurements.Add(new(State.ParamNorms[i], State.RunTag, new("param", State.ParamNames[i])));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveProfile()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            for (int i = 0; i < State.ProfileLength; i++)
                measurements.Add(new(State.ProfileLog10[i], State.RunTag, new("steps_back", StepsBackLabels[i])));
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveUpdateShares()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            for (int i = 0; i < State.UpdateShares.Length; i++)
            {
                if (double.IsFinite(State.UpdateShares[i]))
                    measurements.Add(new(State.UpdateShares[i], State.RunTag, new("layer", i.ToString(CultureInfo.InvariantCulture))));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObservePaths(Func<PathFigures, double?> read)
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            foreach (var path in State.Paths.Values)
            {
                if (read(path) is double value && double.IsFinite(value))
                    measurements.Add(new(value, State.RunTag, new("layer", path.Layer), new("direction", path.Direction)));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObservePathProfiles()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            foreach (var path in State.Paths.Values)
            {
                for (int i = 0; i < path.ProfileLog10.Length && i < StepsBackLabels.Length; i++)
                {
                    if (double.IsFinite(path.ProfileLog10[i]))
                        measurements.Add(new(path.ProfileLog10[i], State.RunTag, new("layer", path.Layer),
                            new("direction", path.Direction), new("steps_back", StepsBackLabels[i])));
                }
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveBlocks(Func<BlockFigures, double> read)
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            foreach (var block in State.Blocks)
            {
                var value = read(block);
                if (double.IsFinite(value))
                    measurements.Add(new(value, State.RunTag, new("layer", block.Layer), new("direction", block.Direction),
                        new("block", block.Block), new("gate", block.Gate)));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveSaturation()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            foreach (var figure in State.Saturation)
            {
                if (double.IsFinite(figure.Share))
                    measurements.Add(new(figure.Share, State.RunTag, new("layer", figure.Layer),
                        new("direction", figure.Direction), new("unit", figure.Unit)));
            }
        }
        return measurements;
    }

    private List<Measurement<double>> ObserveJacobianBounds()
    {
        var measurements = new List<Measurement<double>>();
        if (!_isExported(State))
            return measurements;
        lock (State.Gate)
        {
            for (int i = 0; i < State.JacobianLayers.Length; i++)
            {
                if (double.IsFinite(State.JacobianBounds[i]))
                    measurements.Add(new(State.JacobianBounds[i], State.RunTag, new("layer", State.JacobianLayers[i]),
                        new("dilation", State.JacobianDilations[i])));
            }
        }
        return measurements;
    }
}
