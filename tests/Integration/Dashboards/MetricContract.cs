namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>
/// The Prometheus names of the metric contract in reference/diagnostics.md, as they appear in queries: counters
/// with _total, histograms as their _bucket, _sum and _count series; plus the recording rules of rules.yml.
/// Kept here by hand on purpose: a dashboard or rule using a name the contract does not define fails the tests.
/// </summary>
internal static class MetricContract
{
    public static readonly string[] Counters =
    [
        "recurrent_train_steps_total",
        "recurrent_train_sequences_total",
        "recurrent_grad_clipped_steps_total",
        "recurrent_grad_nonfinite_steps_total",
    ];

    public static readonly string[] Histograms =
    [
        "recurrent_grad_norm",
        "recurrent_train_step_duration_seconds",
    ];

    public static readonly string[] Gauges =
    [
        "recurrent_grad_clip_threshold",
        "recurrent_grad_param_norm",
        "recurrent_grad_vanishing_log10_ratio",
        "recurrent_grad_decay_log10_per_step",
        "recurrent_grad_memory_horizon_steps",
        "recurrent_grad_profile_log10",
        "recurrent_jacobian_bound",
        "recurrent_skip_update_ratio",
        "recurrent_train_loss",
        "recurrent_validation_loss",
        "recurrent_train_accuracy_ratio",
        "recurrent_validation_accuracy_ratio",
        "recurrent_train_epoch",
        "recurrent_learning_rate",
        "recurrent_runs",
        "recurrent_run_info",
        "recurrent_grad_path_vanishing_log10_ratio",
        "recurrent_grad_path_memory_horizon_steps",
        "recurrent_grad_path_profile_log10",
        "recurrent_grad_block_norm",
        "recurrent_weight_block_norm",
        "recurrent_update_ratio",
        "recurrent_saturation_ratio",
        "recurrent_grad_detail_step",
    ];

    /// <summary>Recording rules of dashboards/prometheus/rules.yml.</summary>
    public static readonly string[] RecordingRules =
    [
        "run:recurrent_grad_clip_rate:ratio_rate5m",
        "run:recurrent_grad_norm:p50_rate5m",
        "run:recurrent_grad_norm:p99_rate5m",
    ];

    /// <summary>Exported only by `recurrent serve`: it has no run label and counts the service's runs.</summary>
    public const string ServiceOnlyMetric = "recurrent_runs";

    /// <summary>Every series name a query may use.</summary>
    public static readonly IReadOnlySet<string> SeriesNames = new HashSet<string>(
        Counters
            .Concat(Gauges)
            .Concat(Histograms.SelectMany(h => new[] { h + "_bucket", h + "_sum", h + "_count" }))
            .Concat(RecordingRules),
        StringComparer.Ordinal);
}
