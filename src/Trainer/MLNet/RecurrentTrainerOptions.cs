using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Trainer.Training;

using Recurrent.Trainer;
using Recurrent.Trainer.MLNet;

namespace Microsoft.ML;

/// <summary>
/// Options of the ML.NET trainer (<c>mlContext.*.Trainers.Recurrent(options)</c>): every knob of
/// <see cref="SequenceModelOptions"/> under the same name and default, plus the ML.NET columns and the ways to
/// watch training.
/// </summary>
public sealed class RecurrentTrainerOptions : SequenceModelOptions
{
    /// <summary>The label column: a key (multi-class), Boolean (binary) or Single (regression). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The sequence column: a vector of keys (tokens after <c>MapValueToKey</c>; the key's values become the
    /// vocabulary) or a vector of Single read as steps of <see cref="FeaturesPerStep"/> values. Default "Features".
    /// </summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Numeric input only: a vector of T·F values is T steps of F = this many features. Default 1.</summary>
    public int FeaturesPerStep { get; set; } = 1;

    /// <summary>
    /// Hold out this seeded random fraction of the rows for validation after every epoch (0: none). Default 0.
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>Receives every step and epoch of training, on the training thread. Default null.</summary>
    public ITrainingObserver? Observer { get; set; }

    /// <summary>
    /// Records every step (gradient norm, clip rate, vanishing ratio, memory horizon, Jacobian bound) and epoch on
    /// these instruments (meter "Recurrent.Training"), under <see cref="RunId"/>. Default null.
    /// </summary>
    public TrainingMetrics? Metrics { get; set; }

    /// <summary>The run's label on <see cref="Metrics"/>. Default "mlnet".</summary>
    public string RunId { get; set; } = "mlnet";

    /// <summary>
    /// Stops <c>Fit</c> with <see cref="OperationCanceledException"/> (MLContext 5 offers no public cancellation of
    /// its own). Default none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field whose value cannot work.</summary>
    public void ValidateAll()
    {
        Validate();
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException("RecurrentTrainerOptions.LabelColumnName must name a column.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException("RecurrentTrainerOptions.FeatureColumnName must name a column.", nameof(FeatureColumnName));
        if (FeaturesPerStep < 1)
            throw new ArgumentException("RecurrentTrainerOptions.FeaturesPerStep must be at least 1.", nameof(FeaturesPerStep));
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            throw new ArgumentException("RecurrentTrainerOptions.ValidationFraction must be in [0, 1).", nameof(ValidationFraction));
    }
}
