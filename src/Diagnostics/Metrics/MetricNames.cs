namespace Recurrent.Diagnostics.Metrics;

/// <summary>
/// Instrument names of the metric contract. Each renders unchanged as the Prometheus family name, except that
/// counters are named without "_total" (the OpenTelemetry convention) and the Prometheus exporter adds it.
/// </summary>
public static class MetricNames
{
    /// <summary>Name of the meter that owns every instrument.</summary>
    public const string MeterName = "Recurrent.Training";

    /// <summary>Label carrying the run id.</summary>
    public const string RunLabel = "run";

#pragma warning disable CS1591 // the names are the documentation; their meaning is in each instrument's description
    public const string TrainSteps = "recurrent_train_steps";
    public const string TrainSequences = "recurrent_train_sequences";
    public const string GradClippedSteps = "recurrent_grad_clipped_steps";
    public const string GradNonFiniteSteps = "recurrent_grad_nonfinite_steps";
    public const string GradNorm = "recurrent_grad_norm";
    public const string GradClipThreshold = "recurrent_grad_clip_threshold";
    public const string GradParamNorm = "recurrent_grad_param_norm";
    public const string GradVanishingLog10Ratio = "recurrent_grad_vanishing_log10_ratio";
    public const string GradDecayLog10PerStep = "recurrent_grad_decay_log10_per_step";
    public const string GradMemoryHorizonSteps = "recurrent_grad_memory_horizon_steps";
    public const string GradProfileLog10 = "recurrent_grad_profile_log10";
    public const string JacobianBound = "recurrent_jacobian_bound";
    public const string SkipUpdateRatio = "recurrent_skip_update_ratio";
    public const string TrainLoss = "recurrent_train_loss";
    public const string ValidationLoss = "recurrent_validation_loss";
    public const string TrainAccuracy = "recurrent_train_accuracy_ratio";
    public const string ValidationAccuracy = "recurrent_validation_accuracy_ratio";
    public const string TrainEpoch = "recurrent_train_epoch";
    public const string LearningRate = "recurrent_learning_rate";
    public const string TrainStepDuration = "recurrent_train_step_duration_seconds";
    public const string Runs = "recurrent_runs";
    public const string RunInfo = "recurrent_run_info";
    public const string PathVanishingLog10Ratio = "recurrent_grad_path_vanishing_log10_ratio";
    public const string PathMemoryHorizonSteps = "recurrent_grad_path_memory_horizon_steps";
    public const string PathProfileLog10 = "recurrent_grad_path_profile_log10";
    public const string GradBlockNorm = "recurrent_grad_block_norm";
    public const string WeightBlockNorm = "recurrent_weight_block_norm";
    public const string UpdateRatio = "recurrent_update_ratio";
    public const string SaturationRatio = "recurrent_saturation_ratio";
    public const string DetailStep = "recurrent_grad_detail_step";
#pragma warning restore CS1591
}
