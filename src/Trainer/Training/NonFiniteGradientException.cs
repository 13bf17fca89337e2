using Microsoft.ML;
namespace Recurrent.Trainer.Training;

/// <summary>Thrown under <see cref="RecurrentNonFinitePolicy.Stop"/> when a step's loss or gradient is not finite.</summary>
public sealed class NonFiniteGradientException(long step, string detail)
    : Exception($"Step {step}: {detail}; the update was skipped and training stopped (RecurrentNonFinitePolicy.Stop).")
{
    /// <summary>The optimizer step whose gradient was not finite.</summary>
    public long Step { get; } = step;
}
