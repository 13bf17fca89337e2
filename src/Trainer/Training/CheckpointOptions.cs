namespace Recurrent.Trainer.Training;

/// <summary>When a run hands out checkpoints, and where it starts from.</summary>
public sealed class CheckpointOptions
{
    /// <summary>Take a checkpoint after every this many steps (0: only at epoch ends). Default 0.</summary>
    public int EverySteps { get; set; }

    /// <summary>
    /// Receives each checkpoint on the training thread: at the chosen step interval, at the end of every epoch, and
    /// when the run is cancelled (before <see cref="OperationCanceledException"/> is thrown).
    /// </summary>
    public Action<TrainingCheckpoint>? Save { get; set; }

    /// <summary>Continue from this checkpoint instead of a fresh initialisation. Default null.</summary>
    public TrainingCheckpoint? ResumeFrom { get; set; }
}
