using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Exposition;
using Recurrent.Host.Monitoring;
using Recurrent.Trainer;

namespace Recurrent.Host.Cli;

/// <summary>Metrics for one CLI training run, served on a loopback port while it trains.</summary>
internal sealed class CliMonitoring : IDisposable
{
    private readonly TrainingMetrics _metrics;
    private readonly MetricsCollector _collector;
    private readonly MetricsServer _server;

    private CliMonitoring(TrainingMetrics metrics, MetricsCollector collector, MetricsServer server, TrainingMonitor monitor)
    {
        _metrics = metrics;
        _collector = collector;
        _server = server;
        Monitor = monitor;
    }

    public TrainingMonitor Monitor { get; }

    /// <summary>Starts the endpoint when a port was asked for; the run's clip threshold becomes an exact bucket boundary.</summary>
    public static CliMonitoring? Start(int? port, SequenceClassifierOptions options, string runId)
    {
        if (port is not int p)
            return null;
        var thresholds = new TrainingMetricsOptions().ClipThresholds.ToList();
        if (options.ClipNorm is float clip)
            thresholds.Add(clip);
        var metrics = new TrainingMetrics(new TrainingMetricsOptions { ClipThresholds = thresholds.Distinct().Order().ToArray() });
        var collector = MetricsCollector.For(metrics);
        var server = MetricsServer.Start(p, collector);
        metrics.RunStarted(runId);
        metrics.SetRunStates(new RunStateCounts(0, 1, 0, 0, 0));
        return new CliMonitoring(metrics, collector, server, new TrainingMonitor(metrics, runId));
    }

    /// <summary>Marks the run finished and keeps serving for <paramref name="lingerSeconds"/> so a scraper sees the end.</summary>
    public void Finish(double lingerSeconds)
    {
        _metrics.RunFinished(Monitor.RunId);
        _metrics.SetRunStates(new RunStateCounts(0, 0, 1, 0, 0));
        if (lingerSeconds > 0)
            Thread.Sleep(TimeSpan.FromSeconds(lingerSeconds));
    }

    public void Dispose()
    {
        _server.Dispose();
        _collector.Dispose();
        _metrics.Dispose();
    }
}
