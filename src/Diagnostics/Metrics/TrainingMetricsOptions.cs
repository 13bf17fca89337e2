namespace Recurrent.Diagnostics.Metrics;

/// <summary>Settings of <see cref="TrainingMetrics"/>.</summary>
public sealed class TrainingMetricsOptions
{
    /// <summary>How long a finished run's series stay exported after <see cref="TrainingMetrics.RunFinished"/>. Default 15 minutes.</summary>
    public TimeSpan FinishedRunRetention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many finished runs are exported (the most recently finished); active runs always are. Default 20.</summary>
    public int MaxFinishedRuns { get; init; } = 20;

    /// <summary>
    /// Clip thresholds that are boundaries of every run's grad-norm histogram, besides the 1e-6…1e4 grid and the
    /// run's own global-norm threshold (always a boundary of its histogram), so that runs with different thresholds
    /// still share these buckets when aggregated. Default: 0.25, 0.5, 1, 2, 5, 10.
    /// </summary>
    public IReadOnlyList<double> ClipThresholds { get; init; } = [0.25, 0.5, 1, 2, 5, 10];

    /// <summary>The clock for run retention; tests pass a fake one. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
