using Microsoft.ML;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>
/// The series a run exports at each gradient-detail level, scraped from the real /metrics after a real run: the
/// counts docs/diagnostics-detail.md states. A two-layer bidirectional LSTM has P = 4 paths; each path has a ratio,
/// a horizon, a profile point per steps_back of the global profile, and 4 saturation units (i, f, o, tanh); each of
/// its 4 directions has 3 blocks per gate (W_xh, W_hh, b) × 4 gates, plus the head's 2, each with 3 families; and the
/// run has one detail step.
/// </summary>
public sealed class DetailSeriesCountTests
{
    private static readonly string[] PathFamilies =
    [
        MetricNames.PathVanishingLog10Ratio, MetricNames.PathMemoryHorizonSteps, MetricNames.PathProfileLog10,
        MetricNames.SaturationRatio, MetricNames.DetailStep,
    ];

    private static readonly string[] BlockFamilies = [MetricNames.GradBlockNorm, MetricNames.WeightBlockNorm, MetricNames.UpdateRatio];

    [Theory]
    [InlineData(RecurrentGradientDetail.Global)]
    [InlineData(RecurrentGradientDetail.Layer)]
    [InlineData(RecurrentGradientDetail.Block)]
    public void Each_level_exports_the_stated_number_of_series(RecurrentGradientDetail detail)
    {
        var splits = DatasetLoader.Load("temporal-order:20", options: new DatasetOptions { Count = 64 });
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        var options = new SequenceModelOptions
        {
            HiddenSize = 4,
            Layers = 2,
            Bidirectional = true,
            Epochs = 6,
            BatchSize = 32,
            Seed = 1,
            GradientDetail = detail,
        };

        new SequenceModelTrainer(options).Fit(splits.Train, null, new GradientMonitor(metrics, "run"));

        var text = endpoint.Text();
        int Count(string family) => Expositions.Samples(text, family + "{").Length;
        var profile = Count(MetricNames.GradProfileLog10);
        Assert.True(profile >= 4, $"{profile} global profile points");
        var level = (int)detail;
        Assert.Equal(level >= 1 ? 4 : 0, Count(MetricNames.PathVanishingLog10Ratio));
        Assert.Equal(level >= 1 ? 4 : 0, Count(MetricNames.PathMemoryHorizonSteps));
        Assert.Equal(level >= 1 ? 4 * profile : 0, Count(MetricNames.PathProfileLog10));
        Assert.Equal(level >= 1 ? 4 * 4 : 0, Count(MetricNames.SaturationRatio));
        // The detail is measured on step 1 and every 10th step after (the default): the gauge says at which step last.
        var steps = (long)Expositions.Value(Assert.Single(Expositions.Samples(text, MetricNames.TrainSteps + "_total{")));
        Assert.True(steps > 11, $"{steps} steps: the run does not reach the second measurement");
        Assert.Equal(level >= 1 ? [1 + 10 * ((steps - 1) / 10)] : [],
            Expositions.Samples(text, MetricNames.DetailStep + "{").Select(Expositions.Value).Select(v => (long)v));
        const int blocks = 4 * 3 * 4 + 2;
        Assert.Equal(level >= 2 ? blocks : 0, Count(MetricNames.GradBlockNorm));
        Assert.Equal(level >= 2 ? blocks : 0, Count(MetricNames.WeightBlockNorm));
        // Biases start at zero, where no ratio exists, and have one from the second measurement on.
        Assert.Equal(level >= 2 ? blocks : 0, Count(MetricNames.UpdateRatio));
        var added = PathFamilies.Concat(BlockFamilies).Sum(Count);
        Assert.Equal(detail switch
        {
            RecurrentGradientDetail.Global => 0,
            RecurrentGradientDetail.Layer => 4 * (1 + 1 + profile + 4) + 1,
            _ => 4 * (1 + 1 + profile + 4) + 1 + 3 * blocks,
        }, added);
    }
}
