namespace Microsoft.ML;

/// <summary>What to do when the loss or a gradient is NaN or infinite.</summary>
public enum RecurrentNonFinitePolicy
{
    /// <summary>Skip the update, count the step, go on.</summary>
    Skip,

    /// <summary>Skip the update and stop training with <see cref="Recurrent.Trainer.Training.NonFiniteGradientException"/>.</summary>
    Stop,
}
