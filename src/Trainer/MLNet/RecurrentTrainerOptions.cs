using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Microsoft.ML;

/// <summary>
/// Options of the ML.NET trainer (<c>mlContext.*.Trainers.Recurrent(options)</c>): every knob of
/// <see cref="SequenceModelOptions"/> under the same name and default, plus the ML.NET columns and the ways to
/// watch training.
/// </summary>
public sealed class RecurrentTrainerOptions : SequenceModelOptions
{
    /// <summary>The label column: a key (multi-class), Boolean (binary) or Single (regression). Default "Label".</summary>
    [Description("The label: a key (multi-class), Boolean (binary) or Single (regression).")]
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The sequence column: a vector of keys (tokens after <c>MapValueToKey</c>; the key's values become the
    /// vocabulary) or a vector of Single read as steps of <see cref="FeaturesPerStep"/> values. Default "Features".
    /// </summary>
    [Description("The sequence: a vector of keys (tokens after MapValueToKey) or of Single.")]
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Numeric input only: a vector of T·F values is T steps of F = this many features. Default 1.</summary>
    [Description("Numeric input: a vector of T·F values is T steps of F features."), Range(1, int.MaxValue)]
    public int FeaturesPerStep { get; set; } = 1;

    /// <summary>
    /// Hold out this seeded random fraction of the rows for validation after every epoch (0: none). Default 0.
    /// </summary>
    [Description("Hold out this seeded fraction of the rows, evaluated after every epoch.")]
    [Range(0d, 1d, MaximumIsExclusive = true)]
    public double ValidationFraction { get; set; }

    /// <summary>Receives every step and epoch of training, on the training thread. Default null.</summary>
    [Description("An ITrainingObserver that sees every step and epoch.")]
    public ITrainingObserver? Observer { get; set; }

    /// <summary>
    /// Records every step (gradient norm, clip rate, vanishing ratio, memory horizon, Jacobian bound) and epoch on
    /// these instruments (meter "Recurrent.Training"), under <see cref="RunId"/>. Default null.
    /// </summary>
    [Description("A TrainingMetrics (meter Recurrent.Training) that records every step live.")]
    public TrainingMetrics? Metrics { get; set; }

    /// <summary>The run's label on <see cref="Metrics"/>. Default "mlnet".</summary>
    [Description("The run's label on Metrics.")]
    public string RunId { get; set; } = "mlnet";

    /// <summary>
    /// Stops <c>Fit</c> with <see cref="OperationCanceledException"/> (MLContext 5 offers no public cancellation of
    /// its own). Default none.
    /// </summary>
    [Description("Stops Fit with OperationCanceledException.")]
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first field whose value cannot work: the engine's options and
    /// these (their declared ranges are checked by <see cref="SequenceModelOptions.Validate"/>), and the column names.
    /// </summary>
    internal void ValidateAll()
    {
        Validate();
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException("RecurrentTrainerOptions.LabelColumnName must name a column.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException("RecurrentTrainerOptions.FeatureColumnName must name a column.", nameof(FeatureColumnName));
    }
}
