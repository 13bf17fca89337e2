namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The process's one team of inference helpers: a <see cref="StepWorkers"/> with a helper per core besides the
/// caller's, made on the first inference that runs on more than one thread and kept for the process (background
/// threads that block while idle). Every model shares it, so a process with many models keeps no more threads than
/// one; an inference that finds it busy (another model's, or a part that hands off again) runs its hand-off through
/// <see cref="Parallel.For(int, int, Action{int})"/> as before (<see cref="PartRunner"/>). Which thread runs a part
/// changes no bits.
/// </summary>
/// <remarks>
/// Measured against the thread pool alone (AMD EPYC family 25, AVX2, 2 cores, an LSTM at H = 128, batch 64, two
/// threads; docs/performance.md): the pool's worker often starts a hand-off's second half late, and then the
/// caller runs both halves.
/// </remarks>
internal static class InferenceTeam
{
    private static readonly Lazy<StepWorkers?> s_team = new(
        () => Environment.ProcessorCount > 1 ? new StepWorkers(Environment.ProcessorCount - 1) : null,
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether inference uses the team (the infer experiment turns it off to compare with the pool).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>The team, once some inference made it (tests).</summary>
    internal static StepWorkers? Created => s_team.IsValueCreated ? s_team.Value : null;

    /// <summary>
    /// Makes the shared team the calling thread's for an inference on <paramref name="threads"/> threads, until the
    /// scope is disposed; a thread that already has a team (a training step's) keeps it, and one thread needs none.
    /// </summary>
    public static StepWorkers.Scope Enter(int threads) =>
        StepWorkers.Enter(StepWorkers.Current ?? (threads > 1 && Enabled ? s_team.Value : null));
}
