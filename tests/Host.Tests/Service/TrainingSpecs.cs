namespace Recurrent.Host.Tests.Service;

/// <summary>Small runs that take a few seconds on two shared cores.</summary>
internal static class TrainingSpecs
{
    /// <summary>About 240 steps of a small tanh RNN on temporal order; long enough to be interrupted mid-run.</summary>
    public static Dictionary<string, object?> Interruptible(string name) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:30",
        ["count"] = 640,
        ["cell"] = "rnn",
        ["hidden"] = 16,
        ["epochs"] = 6,
        ["batch"] = 16,
        ["lr"] = 0.01,
        ["clip_norm"] = 1.0,
        ["seed"] = 7,
    };
}
