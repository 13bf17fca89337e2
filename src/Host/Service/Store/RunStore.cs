using System.Data.Common;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Runs, their epochs and their lifecycle events, written once for both stores (SQLite in the data directory,
/// PostgreSQL for a fleet of workers). State changes are single guarded updates, so two callers never both win.
/// What each store does its own way is how a worker holds a running run: the embedded store's one process holds
/// them all, a fleet's worker by a lease that fences its writes (<see cref="Postgres.PgRunStore"/>).
/// </summary>
internal abstract class RunStore(StoreDatabase database, TimeProvider clock)
{
    protected StoreDatabase Database { get; } = database;

    /// <summary>The schema version the store is at (reported by /healthz).</summary>
    public int SchemaVersion => Database.SchemaVersion;

    /// <summary>The columns a run is read from, in <see cref="Read"/>'s order.</summary>
    protected virtual string Columns => StoredRows.RunColumns;

    protected object Now => Database.Dialect.Time(clock.GetUtcNow());

    /// <summary>Inserts a queued run; the name defaults to run-ID. Returns null when the name is taken.</summary>
    public RunRecord? Create(string? name, string requestJson)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (Insert(connection, name, requestJson, sweepId: null) is not long id)
            return null;
        transaction.Commit();
        return Get(id);
    }

    /// <summary>
    /// Inserts a queued run inside the caller's transaction; null (the caller rolls back) when the name is taken.
    /// A run without a name is inserted under a placeholder, which keeps NOT NULL UNIQUE until its id is known.
    /// </summary>
    protected long? Insert(DbConnection connection, string? name, string requestJson, long? sweepId)
    {
        List<(string, object?)> values =
            [("@name", name ?? $"pending-{Guid.NewGuid():N}"), ("@state", RunStates.Queued), ("@request", requestJson), ("@now", Now)];
        if (sweepId is not null)
            values.Add(("@sweep", sweepId));
        var (sweepColumn, sweepValue) = sweepId is null ? ("", "") : (", sweep_id", ", @sweep");
        if (StoreDatabase.Scalar(connection,
                $"""
                INSERT INTO runs (name, state, request, created_at{sweepColumn}) VALUES (@name, @state, @request, @now{sweepValue})
                ON CONFLICT (name) DO NOTHING RETURNING id;
                """, [.. values]) is not long id)
            return null;
        if (name is null && StoreDatabase.Execute(connection,
                "UPDATE runs SET name = @name WHERE id = @id AND NOT EXISTS (SELECT 1 FROM runs WHERE name = @name);",
                ("@name", $"run-{id}"), ("@id", id)) == 0)
            return null;
        AddEvent(connection, id, "created", "queued");
        return id;
    }

    public RunRecord? Get(long id) => Database.First($"SELECT {Columns} FROM runs WHERE id = @id;", Read, ("@id", id));

    public IReadOnlyList<RunRecord> List() => Database.Query($"SELECT {Columns} FROM runs ORDER BY id;", Read);

    /// <summary>Marks the oldest queued run running (held by this worker) and returns it; null when none waits.</summary>
    public abstract RunRecord? ClaimNext();

    /// <summary>
    /// Runs left "running" by a process that died are queued again, to resume from their checkpoints; a run that
    /// was already interrupted <paramref name="maxInterruptions"/> times is failed instead, since it is likely what
    /// killed the process. Returns the ids of both kinds.
    /// </summary>
    public (IReadOnlyList<long> Requeued, IReadOnlyList<long> Failed) RequeueInterrupted(int maxInterruptions)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        var interrupted = StoreDatabase.Query(connection,
            $"""
            SELECT id, step, {HolderColumn}, (SELECT COUNT(*) FROM events e WHERE e.run_id = runs.id AND e.kind = 'interrupted')
            FROM runs WHERE state = 'running'{Interrupted};
            """, r => (Id: r.GetInt64(0), Step: r.GetInt64(1), Holder: r.IsDBNull(2) ? null : r.GetString(2), Times: r.GetInt64(3) + 1));
        var requeued = new List<long>();
        var failed = new List<long>();
        foreach (var (id, step, holder, times) in interrupted)
        {
            AddEvent(connection, id, "interrupted", $"{Stopped(holder)} while the run trained; queued to resume from its last checkpoint");
            if (times < maxInterruptions)
            {
                StoreDatabase.Execute(connection, $"UPDATE runs SET state = 'queued'{Release} WHERE id = @id;", ("@id", id));
                requeued.Add(id);
                continue;
            }
            var error = $"{Died(times)} (the last time after step {step}); it is failed rather than resumed again (Recurrent:MaxRunInterruptions)";
            StoreDatabase.Execute(connection, $"UPDATE runs SET state = 'failed', finished_at = @now, error = @error{Release} WHERE id = @id;",
                ("@id", id), ("@now", Now), ("@error", error));
            AddEvent(connection, id, RunStates.Failed, error);
            failed.Add(id);
        }
        transaction.Commit();
        return (requeued, failed);
    }

    /// <summary>The column that names who held an interrupted run (NULL where no one but this process could).</summary>
    protected virtual string HolderColumn => "NULL";

    /// <summary>
    /// What follows <c>state = 'running'</c> in the choice of interrupted runs: which of them count and how they are
    /// locked (the embedded store: every one, at start).
    /// </summary>
    protected virtual string Interrupted => "";

    /// <summary>What a run that goes back to the queue or fails gives up besides its state.</summary>
    protected virtual string Release => "";

    protected virtual string Stopped(string? holder) => "the service stopped";

    protected virtual string Died(long times) => $"the service died {times} times while this run trained";

    /// <summary>Back to the queue at a graceful shutdown, to resume from the checkpoint just written.</summary>
    public abstract void Requeue(long id, string why);

    /// <summary>Cancels a queued run at once; false when it is not queued.</summary>
    public bool CancelQueued(long id)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (StoreDatabase.Execute(connection, "UPDATE runs SET state = 'cancelled', finished_at = @now WHERE id = @id AND state = 'queued';",
                ("@id", id), ("@now", Now)) == 0)
            return false;
        AddEvent(connection, id, "cancelled", "cancelled before it started");
        transaction.Commit();
        return true;
    }

    /// <summary>
    /// Records a user's cancel of a running run for whichever worker trains it; the embedded store's single
    /// process cancels its live run directly, so there it records nothing.
    /// </summary>
    public virtual void RequestCancel(long id)
    {
    }

    public abstract void RecordCheckpoint(long id, long step, int epoch);

    /// <summary>A run that starts over from step 0 forgets the position and epochs of the attempt it lost.</summary>
    public void ResetProgress(long id)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        StoreDatabase.Execute(connection, "UPDATE runs SET step = 0, epoch = 0, checkpoint_step = NULL WHERE id = @id;", ("@id", id));
        StoreDatabase.Execute(connection, "DELETE FROM epochs WHERE run_id = @id;", ("@id", id));
        AddEvent(connection, id, "restarted", "no usable checkpoint; training starts over from step 0");
        transaction.Commit();
    }

    /// <summary>Records a finished epoch; an epoch trained again after a resume replaces its row.</summary>
    public void RecordEpoch(long id, EpochRecord epoch) =>
        Database.Execute(
            """
            INSERT INTO epochs (run_id, epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate)
            VALUES (@id, @epoch, @step, @tl, @ta, @vl, @va, @lr)
            ON CONFLICT (run_id, epoch) DO UPDATE SET step = EXCLUDED.step, train_loss = EXCLUDED.train_loss,
                train_accuracy = EXCLUDED.train_accuracy, valid_loss = EXCLUDED.valid_loss,
                valid_accuracy = EXCLUDED.valid_accuracy, learning_rate = EXCLUDED.learning_rate;
            """,
            ("@id", id), ("@epoch", epoch.Epoch), ("@step", epoch.Step), ("@tl", StoredRows.Finite(epoch.TrainLoss)),
            ("@ta", StoredRows.Finite(epoch.TrainAccuracy)), ("@vl", StoredRows.Finite(epoch.ValidLoss)),
            ("@va", StoredRows.Finite(epoch.ValidAccuracy)), ("@lr", StoredRows.Finite(epoch.LearningRate)));

    public IReadOnlyList<EpochRecord> Epochs(long id) =>
        Database.Query($"SELECT {StoredRows.EpochColumns} FROM epochs WHERE run_id = @id ORDER BY epoch;", StoredRows.Epoch, ("@id", id));

    public abstract void Finish(long id, string state, long step, int epoch, string? error, string? resultJson);

    /// <summary>The runs by state (COUNT cast so both dialects read a 32-bit integer).</summary>
    public RunStateCounts CountStates()
    {
        var counts = Database.Query("SELECT state, CAST(COUNT(*) AS INTEGER) FROM runs GROUP BY state;",
            r => (State: r.GetString(0), Count: r.GetInt32(1))).ToDictionary(c => c.State, c => c.Count);
        return new RunStateCounts(counts.GetValueOrDefault(RunStates.Queued), counts.GetValueOrDefault(RunStates.Running),
            counts.GetValueOrDefault(RunStates.Succeeded), counts.GetValueOrDefault(RunStates.Failed),
            counts.GetValueOrDefault(RunStates.Cancelled));
    }

    public void AddEvent(long? runId, string kind, string message)
    {
        using var connection = Database.Open();
        AddEvent(connection, runId, kind, message);
    }

    protected void AddEvent(DbConnection connection, long? runId, string kind, string message) =>
        StoreDatabase.Execute(connection, "INSERT INTO events (run_id, at, kind, message) VALUES (@run, @at, @kind, @message);",
            ("@run", runId), ("@at", Now), ("@kind", kind), ("@message", message));

    /// <summary>A run from the columns <see cref="Columns"/>.</summary>
    protected virtual RunRecord Read(DbDataReader r) => StoredRows.Run(r, Database.Dialect);
}
