using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Diagnostics.Tests.Metrics;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>Finished runs leave /metrics after the retention window or beyond the count, histograms included (fake clock).</summary>
public sealed class RunRetentionTests
{
    private readonly ManualClock _clock = new();

    private TrainingMetrics Metrics(int maxFinishedRuns = 20) => new(new TrainingMetricsOptions
    {
        FinishedRunRetention = TimeSpan.FromMinutes(15),
        MaxFinishedRuns = maxFinishedRuns,
        TimeProvider = _clock,
    });

    [Fact]
    public void A_finished_runs_counters_gauges_and_histograms_vanish_after_the_window_and_an_active_run_stays()
    {
        using var metrics = Metrics();
        using var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "active");
        TrainingScenario.Train(metrics, "done");
        metrics.RunFinished("done", RunOutcomes.Failed);

        _clock.Advance(TimeSpan.FromMinutes(14));
        string during = endpoint.Text();
        _clock.Advance(TimeSpan.FromMinutes(2));
        string atTheEnd = endpoint.Text();
        string after = endpoint.Text();

        Assert.Contains("recurrent_train_steps_total{run=\"done\"} 4", during);
        Assert.Contains("recurrent_train_loss{run=\"done\"}", during);
        Assert.Contains("recurrent_grad_norm_count{run=\"done\"} 4", during);
        Assert.Contains("recurrent_train_step_duration_seconds_count{run=\"done\"} 4", during);
        Assert.Contains("recurrent_run_info{run=\"done\",state=\"failed\"} 1", during);
        // Counters and gauges are gone at the first scrape past the window; the exporter reports the disposed
        // histograms' final values once more, so they are gone from the next.
        Assert.DoesNotContain(Expositions.Lines(atTheEnd), l => l.Contains("run=\"done\"") && !l.Contains("_bucket") && !l.Contains("_sum") && !l.Contains("_count"));
        Assert.DoesNotContain("run=\"done\"", after);
        Assert.Contains("recurrent_train_steps_total{run=\"active\"} 4", after);
        Assert.Contains("recurrent_grad_norm_count{run=\"active\"} 4", after);
        Assert.Contains("recurrent_grad_profile_log10{run=\"active\",steps_back=\"1\"}", after);
        Assert.Contains("recurrent_run_info{run=\"active\",state=\"running\"} 1", after);
        Assert.False(metrics.IsRunExported("done"));
        Assert.True(metrics.IsRunExported("active"));
        PromTool.AssertClean(after);
    }

    [Fact]
    public void Only_the_most_recently_finished_runs_are_kept()
    {
        using var metrics = Metrics(maxFinishedRuns: 2);
        using var endpoint = new MetricsEndpoint(metrics);
        foreach (var run in new[] { "first", "second", "third" })
        {
            TrainingScenario.Train(metrics, run, steps: 1);
            metrics.RunFinished(run);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        endpoint.Text(); // the histograms of "first" are reported once more after its meter is disposed
        string text = endpoint.Text();

        Assert.DoesNotContain("run=\"first\"", text);
        Assert.Contains("recurrent_train_steps_total{run=\"second\"} 1", text);
        Assert.Contains("recurrent_grad_norm_count{run=\"third\"} 1", text);
        Assert.Contains("recurrent_run_info{run=\"third\",state=\"succeeded\"} 1", text);
    }

    [Fact]
    public void A_run_that_records_after_it_expired_starts_a_fresh_series()
    {
        using var metrics = Metrics();
        using var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "again", steps: 2);
        metrics.RunFinished("again");
        _clock.Advance(TimeSpan.FromHours(1));
        endpoint.Text();
        endpoint.Text();

        TrainingScenario.Train(metrics, "again", steps: 1);
        string text = endpoint.Text();

        Assert.Contains("recurrent_train_steps_total{run=\"again\"} 1", text);
        Assert.Contains("recurrent_grad_norm_count{run=\"again\"} 1", text);
        Assert.Contains("recurrent_run_info{run=\"again\",state=\"running\"} 1", text);
    }

    [Fact]
    public void Recording_again_reactivates_a_finished_run()
    {
        using var metrics = Metrics();
        TrainingScenario.Train(metrics, "resumed", steps: 1);
        metrics.RunFinished("resumed");
        TrainingScenario.Train(metrics, "resumed", steps: 1);

        _clock.Advance(TimeSpan.FromHours(1));
        metrics.RemoveExpiredRuns();

        Assert.True(metrics.IsRunExported("resumed"));
    }

    [Fact]
    public void A_started_run_exports_zero_counters_before_its_first_step()
    {
        using var metrics = Metrics();
        using var endpoint = new MetricsEndpoint(metrics);
        metrics.RunStarted("fresh");

        string text = endpoint.Text();

        Assert.Contains("recurrent_train_steps_total{run=\"fresh\"} 0", text);
        Assert.DoesNotContain("recurrent_grad_vanishing_log10_ratio{run=\"fresh\"}", text);
        PromTool.AssertClean(text);
    }
}
