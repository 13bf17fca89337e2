using System.Globalization;
using Recurrent.Diagnostics.Exposition;
using Recurrent.Diagnostics.Tests.Metrics;

namespace Recurrent.Diagnostics.Tests.Exposition;

public class TrainingExpositionTests
{
    private static (TrainingMetrics Metrics, MetricsCollector Collector) TrainedTwoRuns()
    {
        var metrics = new TrainingMetrics();
        var collector = MetricsCollector.For(metrics);
        TrainingScenario.Train(metrics, "run-a");
        TrainingScenario.Train(metrics, "run-b", steps: 2);
        metrics.SetRunStates(new RunStateCounts(1, 2, 3, 0, 1));
        return (metrics, collector);
    }

    [Fact]
    public void Prometheus_text_renders_the_whole_contract_and_passes_promtool()
    {
        var (metrics, collector) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = collector;

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

        PromTool.AssertClean(text);
        Assert.EndsWith("\n", text);
        string[] expected =
        [
            "recurrent_train_steps_total counter", "recurrent_train_sequences_total counter",
            "recurrent_grad_clipped_steps_total counter", "recurrent_grad_nonfinite_steps_total counter",
            "recurrent_grad_norm histogram", "recurrent_grad_clip_threshold gauge", "recurrent_grad_param_norm gauge",
            "recurrent_grad_vanishing_log10_ratio gauge", "recurrent_grad_decay_log10_per_step gauge",
            "recurrent_grad_memory_horizon_steps gauge", "recurrent_grad_profile_log10 gauge",
            "recurrent_jacobian_bound gauge", "recurrent_train_loss gauge", "recurrent_validation_loss gauge",
            "recurrent_train_accuracy_ratio gauge", "recurrent_validation_accuracy_ratio gauge",
            "recurrent_train_epoch gauge", "recurrent_learning_rate gauge",
            "recurrent_train_step_duration_seconds histogram", "recurrent_runs gauge",
        ];
        var types = Expositions.Lines(text).Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
        Assert.Equal(expected.Order(), types.Order());
        Assert.Contains("recurrent_train_steps_total{run=\"run-a\"} 4", text);
        Assert.Contains("recurrent_grad_clipped_steps_total{run=\"run-a\"} 2", text);
        Assert.Contains("recurrent_grad_profile_log10{run=\"run-a\",steps_back=\"8\"}", text);
        Assert.Contains("recurrent_grad_profile_log10{run=\"run-a\",steps_back=\"16\"}", text);
        Assert.DoesNotContain("steps_back=\"32\"", text); // the longest window is 20 steps
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_the_clip_threshold_is_exact()
    {
        var (metrics, collector) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = collector;

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

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
        Assert.Contains("3.1622776601683795", bounds);
    }

    [Fact]
    public void OpenMetrics_names_counter_families_without_total_declares_units_and_ends_with_EOF()
    {
        var (metrics, collector) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = collector;

        string text = collector.CollectText(ExpositionFormat.OpenMetrics);

        Assert.EndsWith("# EOF\n", text);
        Assert.Single(Expositions.Lines(text), l => l == "# EOF");
        Assert.Contains("# TYPE recurrent_train_steps counter\n", text);
        Assert.Contains("\nrecurrent_train_steps_total{run=\"run-a\"} 4\n", text);
        Assert.Contains("# UNIT recurrent_train_step_duration_seconds seconds\n", text);
        Assert.Contains("# UNIT recurrent_train_accuracy_ratio ratio\n", text);
        // Every UNIT is a suffix of its family name, and comes right after that family's TYPE.
        var lines = Expositions.Lines(text);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("# UNIT ", StringComparison.Ordinal))
                continue;
            var parts = lines[i].Split(' ');
            Assert.EndsWith("_" + parts[3], parts[2]);
            Assert.StartsWith("# TYPE " + parts[2] + " ", lines[i - 1]);
        }
        // Every sample belongs to the family declared last.
        string family = "";
        foreach (var line in lines.Where(l => l != "# EOF"))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                family = line.Split(' ')[2];
            else if (!line.StartsWith('#'))
                Assert.StartsWith(family, line);
        }
    }

    [Fact]
    public void OpenMetrics_parses_in_promtool_apart_from_the_counter_naming_it_does_not_know()
    {
        var (metrics, collector) = TrainedTwoRuns();
        using var _ = metrics;
        using var __ = collector;

        var (exitCode, output) = PromTool.CheckMetrics(collector.CollectText(ExpositionFormat.OpenMetrics));

        // promtool 2.42 reads text 0.0.4 only: there `# UNIT` and `# EOF` are comments and an OpenMetrics
        // counter's `_total` samples look like a separate family without HELP. Exit 3 is "lint problems"; a
        // parse error would be exit 1. Any complaint beyond the counters' missing help fails.
        var problems = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode is 0 or 3, $"exit {exitCode}: {output}");
        Assert.All(problems, p => Assert.Matches(@"^recurrent_\w+_total no help text$", p));
    }

    [Fact]
    public void Only_the_given_meter_instance_is_exported()
    {
        using var mine = new TrainingMetrics();
        using var other = new TrainingMetrics();
        using var collector = MetricsCollector.For(mine);
        TrainingScenario.Train(mine, "mine");
        TrainingScenario.Train(other, "other");

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

        Assert.Contains("run=\"mine\"", text);
        Assert.DoesNotContain("run=\"other\"", text);
    }

    [Fact]
    public void Non_finite_steps_are_counted_and_never_exported_as_NaN()
    {
        using var metrics = new TrainingMetrics();
        using var collector = MetricsCollector.For(metrics);
        var analysis = new GradientAnalysis();
        var snapshot = TrainingScenario.Snapshot(double.NaN, nonFinite: true);
        snapshot.GroupNorms = [double.NaN, double.PositiveInfinity, 0.1, 0.2];
        snapshot.AdjointNormsBuffer.Fill(float.NaN);
        metrics.RecordStep("r", snapshot, analysis.Analyze(snapshot), 0.01);

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

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
