using Recurrent.Diagnostics.Exposition;
using Recurrent.Diagnostics.Tests.Exposition;

namespace Recurrent.Diagnostics.Tests.Metrics;

public class RunRetentionTests
{
    private readonly ManualClock _clock = new();

    private TrainingMetrics Metrics(int maxFinishedRuns = 20) => new(new TrainingMetricsOptions
    {
        FinishedRunRetention = TimeSpan.FromMinutes(5),
        MaxFinishedRuns = maxFinishedRuns,
        TimeProvider = _clock,
    });

    [Fact]
    public void A_finished_run_vanishes_after_the_window_and_an_active_run_stays()
    {
        using var metrics = Metrics();
        using var collector = MetricsCollector.For(metrics);
        TrainingScenario.Train(metrics, "active");
        TrainingScenario.Train(metrics, "done");
        metrics.RunFinished("done");

        _clock.Advance(TimeSpan.FromMinutes(4));
        string during = collector.CollectText(ExpositionFormat.PrometheusText);
        _clock.Advance(TimeSpan.FromMinutes(2));
        string after = collector.CollectText(ExpositionFormat.PrometheusText);

        Assert.Contains("recurrent_train_steps_total{run=\"done\"}", during);
        Assert.Contains("recurrent_grad_norm_count{run=\"done\"}", during);
        Assert.DoesNotContain("run=\"done\"", after); // counters, gauges and histograms alike
        Assert.Contains("recurrent_train_steps_total{run=\"active\"} 4", after);
        Assert.Contains("recurrent_grad_norm_count{run=\"active\"} 4", after);
        Assert.Contains("recurrent_grad_profile_log10{run=\"active\",steps_back=\"1\"}", after);
        Assert.False(metrics.IsRunExported("done"));
        Assert.True(metrics.IsRunExported("active"));
        PromTool.AssertClean(after);
    }

    [Fact]
    public void Only_the_most_recently_finished_runs_are_kept()
    {
        using var metrics = Metrics(maxFinishedRuns: 2);
        using var collector = MetricsCollector.For(metrics);
        foreach (var run in new[] { "first", "second", "third" })
        {
            TrainingScenario.Train(metrics, run, steps: 1);
            metrics.RunFinished(run);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

        Assert.DoesNotContain("run=\"first\"", text);
        Assert.Contains("recurrent_train_steps_total{run=\"second\"} 1", text);
        Assert.Contains("recurrent_train_steps_total{run=\"third\"} 1", text);
    }

    [Fact]
    public void Recording_again_reactivates_a_finished_run()
    {
        using var metrics = Metrics();
        TrainingScenario.Train(metrics, "resumed", steps: 1);
        metrics.RunFinished("resumed");
        TrainingScenario.Train(metrics, "resumed", steps: 1);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.True(metrics.IsRunExported("resumed"));
    }

    [Fact]
    public void A_started_run_exports_zero_counters_before_its_first_step()
    {
        using var metrics = Metrics();
        using var collector = MetricsCollector.For(metrics);
        metrics.RunStarted("fresh");

        string text = collector.CollectText(ExpositionFormat.PrometheusText);

        Assert.Contains("recurrent_train_steps_total{run=\"fresh\"} 0", text);
        Assert.DoesNotContain("recurrent_grad_vanishing_log10_ratio{run=\"fresh\"}", text);
        PromTool.AssertClean(text);
    }
}
