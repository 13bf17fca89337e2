namespace Recurrent.Trainer.Training;

/// <summary>What to do when the loss or a gradient is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Skip the update, count the step, go on.</summary>
    Skip,

    /// <summary>Skip the update and stop training with <see cref="NonFiniteGradientException"/>.</summary>
    Stop,
}
