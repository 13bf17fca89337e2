using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Metrics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>Metrics for one CLI training run, served on a loopback port while it trains.</summary>
internal sealed class CliMonitoring : IDisposable
{
    private readonly TrainingMetrics _metrics;
    private readonly MetricsServer _server;

    private CliMonitoring(TrainingMetrics metrics, MetricsServer server, GradientMonitor monitor)
    {
        _metrics = metrics;
        _server = server;
        Monitor = monitor;
    }

    public GradientMonitor Monitor { get; }

    /// <summary>Starts the endpoint when a port was asked for; the run's clip threshold is a bucket boundary of its histogram.</summary>
    public static CliMonitoring? Start(int? port, string runId)
    {
        if (port is not int p)
            return null;
        var metrics = new TrainingMetrics();
        var server = MetricsServer.Start(p, metrics);
        metrics.RunStarted(runId);
        metrics.SetRunStates(new RunStateCounts(0, 1, 0, 0, 0));
        return new CliMonitoring(metrics, server, new GradientMonitor(metrics, runId));
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
        _metrics.Dispose();
    }
}
