using System.Globalization;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Diagnostics.Tests.Metrics;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>What the exporter renders from the instruments: the whole contract, histograms, OpenMetrics, no NaN.</summary>
public sealed class PrometheusExportTests
{
    // The endpoint (and so the SDK's listener) first: a synchronous histogram records nothing before a listener.
    private static (TrainingMetrics Metrics, MetricsEndpoint Endpoint) TrainedTwoRuns()
    {
        var metrics = new TrainingMetrics();
        var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "run-a");
        TrainingScenario.Train(metrics, "run-b", steps: 2);
        metrics.SetRunStates(new RunStateCounts(1, 2, 3, 0, 1));
        return (metrics, endpoint);
    }

    [Fact]
    public void Prometheus_text_passes_promtool_with_no_scope_labels_and_no_target_info()
    {
        var (metrics, endpoint) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = endpoint;

        var (text, contentType) = endpoint.Get();

        Assert.StartsWith("text/plain; version=0.0.4", contentType);
        PromTool.AssertClean(text);
        Assert.DoesNotContain("otel_scope_", text);
        Assert.DoesNotContain("target_info", text);
        Assert.Contains("recurrent_train_steps_total{run=\"run-a\"} 4", text);
        Assert.Contains("recurrent_grad_clipped_steps_total{run=\"run-a\"} 2", text);
        Assert.Contains("recurrent_grad_profile_log10{run=\"run-a\",steps_back=\"8\"}", text);
        Assert.Contains("recurrent_grad_profile_log10{run=\"run-a\",steps_back=\"16\"}", text);
        Assert.DoesNotContain("steps_back=\"32\"", text); // the longest window is 20 steps
        Assert.Contains("recurrent_runs{state=\"cancelled\"} 1", text);
        Assert.Contains("recurrent_run_info{run=\"run-a\",state=\"running\"} 1", text);
    }

    [Fact]
    public void A_step_recorded_right_after_a_scrape_is_in_the_next_one()
    {
        var (metrics, endpoint) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = endpoint;
        Assert.Contains("recurrent_train_steps_total{run=\"run-b\"} 2", endpoint.Text());

        TrainingScenario.Train(metrics, "run-b", steps: 1);

        Assert.Contains("recurrent_train_steps_total{run=\"run-b\"} 3", endpoint.Text()); // no response cache
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_each_runs_clip_threshold_is_exact()
    {
        var (metrics, endpoint) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = endpoint;
        var snapshot = TrainingScenario.Snapshot(0.3);
        snapshot.ClipThreshold = 0.3172; // not on the grid nor among the shared thresholds
        metrics.RecordStep("odd-threshold", snapshot, null, 0.01);

        string text = endpoint.Text();

        var buckets = Expositions.Samples(text, "recurrent_grad_norm_bucket{run=\"run-a\"");
        var bounds = buckets.Select(LeOf).ToList();
        var counts = buckets.Select(Expositions.Value).ToList();
        Assert.Equal("+Inf", bounds[^1]);
        var finite = bounds.SkipLast(1).Select(b => double.Parse(b, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(finite.Order(), finite);
        Assert.Equal(finite.Distinct().Count(), finite.Count);
        for (int i = 1; i < counts.Count; i++)
            Assert.True(counts[i] >= counts[i - 1], $"bucket {bounds[i]} is below the previous one");
        double count = Expositions.Value(Expositions.Samples(text, "recurrent_grad_norm_count{run=\"run-a\"}").Single());
        double sum = Expositions.Value(Expositions.Samples(text, "recurrent_grad_norm_sum{run=\"run-a\"}").Single());
        Assert.Equal(4, count);
        Assert.Equal(counts[^1], count);
        Assert.Equal(0.5 + 1.0 + 1.5 + 2.0, sum, 1e-12);
        // Norms 0.5 and 1.0 were not clipped at threshold 1: the le="1" bucket holds exactly them.
        Assert.Equal(2, counts[bounds.IndexOf("1")]);
        Assert.Contains("0.25", bounds);
        Assert.Equal(Math.Sqrt(10), finite.Single(b => Math.Abs(b - 3.16) < 0.01), 1e-12);

        // A threshold of its own is a boundary of that run's histogram only.
        Assert.Contains(0.3172, metrics.GradNormBoundaries("odd-threshold"));
        Assert.Single(Expositions.Samples(text, "recurrent_grad_norm_bucket{run=\"odd-threshold\",le=\"0.3172\"} 1"));
        Assert.DoesNotContain("0.3172", bounds);
    }

    [Fact]
    public void OpenMetrics_is_negotiated_on_Accept_and_ends_with_EOF()
    {
        var (metrics, endpoint) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = endpoint;

        var (text, contentType) = endpoint.Get(MetricsEndpoint.OpenMetricsAccept);

        Assert.StartsWith("application/openmetrics-text; version=1.0.0", contentType);
        Assert.EndsWith("# EOF\n", text);
        Assert.Single(Expositions.Lines(text), l => l == "# EOF");
        Assert.Contains("# TYPE recurrent_train_steps counter\n", text);
        Assert.Contains("\nrecurrent_train_steps_total{run=\"run-a\"} 4\n", text);
        Assert.DoesNotContain("otel_scope_", text);
        // Every sample belongs to the family declared last.
        string family = "";
        foreach (var line in Expositions.Lines(text).Where(l => l != "# EOF"))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                family = line.Split(' ')[2];
            else if (!line.StartsWith('#'))
                Assert.StartsWith(family, line);
        }
    }

    [Fact]
    public void Only_the_instances_own_meters_are_exported()
    {
        using var mine = new TrainingMetrics();
        using var other = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(mine);
        TrainingScenario.Train(mine, "mine");
        TrainingScenario.Train(other, "other");

        string text = endpoint.Text();

        Assert.Contains("run=\"mine\"", text);
        Assert.DoesNotContain("run=\"other\"", text);
        Assert.Single(Expositions.Samples(text, "recurrent_runs{state=\"queued\"}"));
    }

    [Fact]
    public void Non_finite_steps_are_counted_and_never_exported_as_NaN()
    {
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        var analysis = new GradientAnalysis();
        var snapshot = TrainingScenario.Snapshot(double.NaN, nonFinite: true);
        snapshot.GroupNorms = [double.NaN, double.PositiveInfinity, 0.1, 0.2];
        TrainingScenario.FillAdjointNorms(snapshot, float.NaN);
        metrics.RecordStep("r", snapshot, analysis.Analyze(snapshot), 0.01);

        string text = endpoint.Text();

        PromTool.AssertClean(text);
        Assert.Contains("recurrent_grad_nonfinite_steps_total{run=\"r\"} 1", text);
        Assert.DoesNotContain(Expositions.Lines(text), l => !l.StartsWith('#') && l.EndsWith(" NaN", StringComparison.Ordinal));
        Assert.DoesNotContain("recurrent_grad_vanishing_log10_ratio{", text);
        Assert.DoesNotContain("recurrent_grad_norm_count{run=\"r\"}", text); // a NaN norm is not observed
        Assert.Contains("recurrent_train_step_duration_seconds_count{run=\"r\"} 1", text);
    }

    private static string LeOf(string bucketLine)
    {
        int start = bucketLine.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        return bucketLine[start..bucketLine.IndexOf('"', start)];
    }
}
