using System.Diagnostics.Metrics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Diagnostics.Tests.Metrics;

/// <summary>
/// A meter per run, seen through a plain <see cref="MeterListener"/> (no OpenTelemetry SDK): the window ends its
/// observations, removing expired runs disposes its meter (histograms included), and its clip threshold is a bucket
/// boundary of its own histogram.
/// </summary>
public sealed class RunMeterTests
{
    private readonly ManualClock _clock = new();

    private TrainingMetrics Metrics(int maxFinishedRuns = 20) => new(new TrainingMetricsOptions
    {
        FinishedRunRetention = TimeSpan.FromMinutes(15),
        MaxFinishedRuns = maxFinishedRuns,
        TimeProvider = _clock,
    });

    [Fact]
    public void A_finished_run_is_observed_within_the_window_and_its_meter_is_disposed_after_it()
    {
        using var metrics = Metrics();
        var completed = new List<string>();
        var observedSteps = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (metrics.Owns(instrument.Meter))
                    l.EnableMeasurementEvents(instrument);
            },
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (completed)
                    completed.Add($"{RunOf(instrument.Meter)}/{instrument.Name}");
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == MetricNames.TrainSteps)
                observedSteps[(string)tags[0].Value!] = value;
        });
        listener.Start();
        TrainingScenario.Train(metrics, "active");
        TrainingScenario.Train(metrics, "done");
        metrics.RunFinished("done", RunOutcomes.Cancelled);

        _clock.Advance(TimeSpan.FromMinutes(14));
        listener.RecordObservableInstruments();
        Assert.Equal(4, observedSteps["done"]);

        _clock.Advance(TimeSpan.FromMinutes(2));
        observedSteps.Clear();
        listener.RecordObservableInstruments();
        Assert.False(observedSteps.ContainsKey("done")); // past the window: no longer observed, before any removal
        Assert.Equal(4, observedSteps["active"]);
        Assert.Empty(completed);

        metrics.RemoveExpiredRuns();

        Assert.Contains($"done/{MetricNames.GradNorm}", completed);
        Assert.Contains($"done/{MetricNames.TrainStepDuration}", completed);
        Assert.Contains($"done/{MetricNames.TrainSteps}", completed);
        Assert.DoesNotContain(completed, c => c.StartsWith("active/", StringComparison.Ordinal));
        Assert.False(metrics.IsRunExported("done"));
        Assert.True(metrics.IsRunExported("active"));
    }

    [Fact]
    public void Finishing_a_run_beyond_the_count_disposes_the_oldest_finished_meter_at_once()
    {
        using var metrics = Metrics(maxFinishedRuns: 1);
        var completedRuns = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (metrics.Owns(instrument.Meter))
                    l.EnableMeasurementEvents(instrument);
            },
            MeasurementsCompleted = (instrument, _) => completedRuns.Add(RunOf(instrument.Meter)),
        };
        listener.Start();
        TrainingScenario.Train(metrics, "older", steps: 1);
        metrics.RunFinished("older");
        _clock.Advance(TimeSpan.FromSeconds(1));
        TrainingScenario.Train(metrics, "newer", steps: 1);
        metrics.RunFinished("newer");

        Assert.Equal(["older"], completedRuns);
        Assert.True(metrics.IsRunExported("newer"));
    }

    [Fact]
    public void Each_runs_clip_threshold_is_a_boundary_of_its_own_histogram_only()
    {
        using var metrics = Metrics();
        var odd = TrainingScenario.Snapshot(0.3);
        odd.ClipThreshold = 0.3172;
        metrics.RecordStep("odd", odd, null, 0.01);
        TrainingScenario.Train(metrics, "usual", steps: 1);

        Assert.Contains(0.3172, metrics.GradNormBoundaries("odd"));
        Assert.DoesNotContain(0.3172, metrics.GradNormBoundaries("usual"));
        Assert.Contains(1.0, metrics.GradNormBoundaries("usual"));
        Assert.Contains(0.25, metrics.GradNormBoundaries("odd")); // the shared thresholds stay in every histogram
    }

    [Fact]
    public void A_resumed_run_counts_on_from_its_checkpoint()
    {
        using var metrics = Metrics();
        var steps = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (metrics.Owns(instrument.Meter))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => steps[instrument.Name] = value);
        listener.Start();
        metrics.RunStarted("resumed");
        metrics.RunResumed("resumed", steps: 40, clippedSteps: 7, nonFiniteSteps: 1, sequences: 80);
        listener.RecordObservableInstruments();
        Assert.Equal(7, steps[MetricNames.GradClippedSteps]); // before the first step after the resume
        Assert.Equal(80, steps[MetricNames.TrainSequences]);

        // The trainer continues from its checkpoint: norms 0.5 … 2, two of them above the threshold of 1.
        TrainingScenario.Train(metrics, "resumed", steps: 4, fromStep: 40, clippedBefore: 7, nonFiniteBefore: 1);

        listener.RecordObservableInstruments();

        Assert.Equal(44, steps[MetricNames.TrainSteps]);
        Assert.Equal(9, steps[MetricNames.GradClippedSteps]);
        Assert.Equal(1, steps[MetricNames.GradNonFiniteSteps]);
        Assert.Equal(88, steps[MetricNames.TrainSequences]); // four more steps of two sequences
    }

    [Fact]
    public void The_Jacobian_bound_of_each_layer_carries_its_dilation()
    {
        using var metrics = Metrics();
        var bounds = new List<(string Layer, string Dilation, double Bound)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (metrics.Owns(instrument.Meter) && instrument.Name == MetricNames.JacobianBound)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var all = tags.ToArray();
            string Tag(string key) => (string)all.Single(t => t.Key == key).Value!;
            bounds.Add((Tag("layer"), Tag("dilation"), value));
        });
        listener.Start();
        var snapshot = TrainingScenario.Snapshot(0.5);
        snapshot.RecurrentWeights =
        [
            new RecurrentWeights("0", [0.5f, 0f, 0f, 0.25f], 2, 2, 1.0),
            new RecurrentWeights("1", [2f, 0f, 0f, 1f], 2, 2, 0.25, dilation: 4),
        ];
        metrics.RunStarted("dilated");
        metrics.RecordStep("dilated", snapshot, new GradientAnalysis().Analyze(snapshot), 0.01);

        listener.RecordObservableInstruments();

        Assert.Equal(2, bounds.Count);
        Assert.Equal(("0", "1"), (bounds[0].Layer, bounds[0].Dilation));
        Assert.Equal(0.5, bounds[0].Bound, 2); // a power-iteration estimate of σ_max
        Assert.Equal(("1", "4"), (bounds[1].Layer, bounds[1].Dilation));
        Assert.Equal(0.5, bounds[1].Bound, 2); // γ = ¼ times σ_max = 2
    }

    private static string RunOf(Meter meter) =>
        meter.Tags?.FirstOrDefault(t => t.Key == MetricNames.RunLabel).Value as string ?? "(service)";
}
