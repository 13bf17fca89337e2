using System.Diagnostics;
using Recurrent.Diagnostics.Exposition;
using Recurrent.Diagnostics.Tests.Metrics;
using Xunit.Abstractions;

namespace Recurrent.Diagnostics.Tests.Exposition;

/// <summary>
/// Measures a scrape with 20 active runs and prints the median (run with <c>--logger "console;verbosity=detailed"</c>).
/// It asserts what was rendered, never how fast: timings on a shared machine would make a flaky test.
/// </summary>
public class RenderBenchmark(ITestOutputHelper output)
{
    private const int Runs = 20;
    private const int Scrapes = 50;

    [Fact]
    public void Render_20_active_runs()
    {
        using var metrics = new TrainingMetrics();
        using var collector = MetricsCollector.For(metrics);
        for (int r = 0; r < Runs; r++)
            TrainingScenario.Train(metrics, $"run-{r:D2}", steps: 8);

        foreach (var format in new[] { ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics })
        {
            for (int i = 0; i < 100; i++)
                collector.Collect(format); // lets tiered JIT reach optimised code first
            var times = new double[Scrapes];
            int bytes = 0;
            for (int i = 0; i < Scrapes; i++)
            {
                long start = Stopwatch.GetTimestamp();
                bytes = collector.Collect(format).Length;
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(times);
            output.WriteLine($"{format}: median {times[Scrapes / 2]:F3} ms, p90 {times[Scrapes * 9 / 10]:F3} ms, {bytes} bytes");
        }

        string text = collector.CollectText(ExpositionFormat.PrometheusText);
        Assert.Equal(Runs, Expositions.Samples(text, "recurrent_train_steps_total{").Length);
        Assert.Equal(Runs, Expositions.Samples(text, "recurrent_grad_norm_count{").Length);
    }
}
