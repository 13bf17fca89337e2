namespace Recurrent.Host.Tests.Support;

/// <summary>Small runs that take a few seconds on two shared cores.</summary>
internal static class TrainingSpecs
{
    /// <summary>
    /// Epochs of an <see cref="Interruptible"/> run: 800 steps of a small tanh RNN on temporal order, long enough to
    /// be interrupted mid-run even now that a step takes well under a millisecond (six epochs, 240 steps, left too
    /// little margin).
    /// </summary>
    public const int InterruptibleEpochs = 20;

    /// <summary>Optimizer steps of an <see cref="Interruptible"/> run: 640 sequences in batches of 16.</summary>
    public const long InterruptibleSteps = 640 / 16 * InterruptibleEpochs;

    /// <summary>Sequences an <see cref="Interruptible"/> run trains on: 640 per epoch.</summary>
    public const long InterruptibleSequences = 640L * InterruptibleEpochs;

    public static Dictionary<string, object?> Interruptible(string name) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:30",
        ["count"] = 640,
        ["cell"] = "rnn",
        ["hidden"] = 16,
        ["epochs"] = InterruptibleEpochs,
        ["batch"] = 16,
        ["lr"] = 0.01,
        ["clip_norm"] = 1.0,
        ["seed"] = 7,
    };
}
