namespace Recurrent.Trainer.Training;

/// <summary>
/// An option that changes the training and whose value in a checkpoint differs from the options a run would
/// continue it with. Values are as the options are written (invariant numbers, enum names, "none" when unset).
/// </summary>
/// <param name="Option">The option's property name, such as <c>HiddenSize</c>.</param>
/// <param name="InCheckpoint">Its value in the checkpoint's options.</param>
/// <param name="Given">Its value in the options given to continue.</param>
public sealed record CheckpointMismatch(string Option, string InCheckpoint, string Given)
{
    /// <summary>"HiddenSize is 32 in the checkpoint and 16 in these options".</summary>
    public override string ToString() => $"{Option} is {InCheckpoint} in the checkpoint and {Given} in these options";
}
