namespace Recurrent.Host.Service.Store;

/// <summary>
/// A worker's hold on a running run: its id and the fencing token of the claim that gave it (the run's claim count
/// when it was claimed; the embedded store, whose one process holds every run, has no claims and uses 0). Every
/// write a worker makes for the run carries it, and the store refuses the write unless the token is still the run's
/// and the run still running, in the same statement (<see cref="RunFence"/>).
/// </summary>
internal readonly record struct RunLease(long RunId, long Token)
{
    public static RunLease Of(RunRecord run) => new(run.Id, run.Attempts);

    /// <summary>The fence's parameters, <c>@run</c> and <c>@fence</c>.</summary>
    public (string Name, object? Value)[] Parameters => [("@run", RunId), ("@fence", Token)];
}

/// <summary>
/// A write for a run that its worker no longer holds: the run was queued again (its lease ran out) or another worker
/// claimed it, or it ended. Nothing was written; the worker stops training the run.
/// </summary>
internal sealed class LeaseLostException(long runId)
    : Exception($"Run {runId} is no longer held by this worker (its lease ran out and the run was queued again, taken over, or ended); nothing was written.")
{
    public long RunId { get; } = runId;
}

/// <summary>
/// The condition that fences a worker's writes for a run (<see cref="RunLease"/>), in SQL over <c>@run</c> and
/// <c>@fence</c>: on the run's own row (<see cref="Row"/>, for <c>UPDATE runs</c>) and as a sub-query for every
/// other table (<see cref="Holds"/>). The embedded store's one process holds every running run, so there the run
/// only has to be running.
/// </summary>
internal class RunFence
{
    public virtual string Row => "state = 'running'";

    public virtual string Holds => "EXISTS (SELECT 1 FROM runs WHERE id = @run AND state = 'running')";
}
