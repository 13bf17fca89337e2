using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Runs, their epochs and their lifecycle events: the contract both stores keep (SQLite in the data directory,
/// PostgreSQL for a fleet of workers). State changes are single guarded updates, so two callers never both win.
/// </summary>
internal abstract class RunStore
{
    /// <summary>The schema version the store is at (reported by /healthz).</summary>
    public abstract int SchemaVersion { get; }

    /// <summary>Inserts a queued run; the name defaults to run-ID. Returns null when the name is taken.</summary>
    public abstract RunRecord? Create(string? name, string requestJson);

    public abstract RunRecord? Get(long id);

    public abstract IReadOnlyList<RunRecord> List();

    /// <summary>Marks the oldest queued run running (held by this worker) and returns it; null when none waits.</summary>
    public abstract RunRecord? ClaimNext();

    /// <summary>
    /// Runs left "running" by a process that died are queued again, to resume from their checkpoints; a run that
    /// was already interrupted <paramref name="maxInterruptions"/> times is failed instead, since it is likely what
    /// killed the process. Returns the ids of both kinds.
    /// </summary>
    public abstract (IReadOnlyList<long> Requeued, IReadOnlyList<long> Failed) RequeueInterrupted(int maxInterruptions);

    /// <summary>Back to the queue at a graceful shutdown, to resume from the checkpoint just written.</summary>
    public abstract void Requeue(long id, string why);

    /// <summary>Cancels a queued run at once; false when it is not queued.</summary>
    public abstract bool CancelQueued(long id);

    /// <summary>
    /// Records a user's cancel of a running run for whichever worker trains it; the embedded store's single
    /// process cancels its live run directly, so there it records nothing.
    /// </summary>
    public virtual void RequestCancel(long id)
    {
    }

    public abstract void RecordCheckpoint(long id, long step, int epoch);

    /// <summary>A run that starts over from step 0 forgets the position and epochs of the attempt it lost.</summary>
    public abstract void ResetProgress(long id);

    public abstract void RecordEpoch(long id, EpochRecord epoch);

    public abstract IReadOnlyList<EpochRecord> Epochs(long id);

    public abstract void Finish(long id, string state, long step, int epoch, string? error, string? resultJson);

    public abstract RunStateCounts CountStates();

    public abstract void AddEvent(long? runId, string kind, string message);
}
