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
internal abstract class RunStore(StoreDatabase database, RunFence fence, TimeProvider clock)
{
    protected StoreDatabase Database { get; } = database;

    /// <summary>The condition every write of a run's worker carries.</summary>
    protected RunFence Fence { get; } = fence;

    /// <summary>The schema version the store is at (reported by /healthz).</summary>
    public int SchemaVersion => Database.SchemaVersion;

    /// <summary>The columns a run is read from, in <see cref="Read"/>'s order.</summary>
    protected virtual string Columns => StoredRows.RunColumns;

    protected object Now => Database.Dialect.Time(clock.GetUtcNow());

    /// <summary>
    /// Inserts a queued run; the name defaults to run-ID. Returns null when the name is taken. A
    /// <paramref name="demo"/> run is claimed by <see cref="ClaimNext"/> in the demo lane, not in the user's slots.
    /// </summary>
    public RunRecord? Create(string? name, string requestJson, bool demo = false)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (Insert(connection, name, requestJson, sweepId: null) is not long id)
            return null;
        if (demo)
            StoreDatabase.Execute(connection, "UPDATE runs SET demo = TRUE WHERE id = @id;", ("@id", id));
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

    /// <summary>
    /// Marks the oldest queued run of the lane (the demo runs, or every other) running, held by this worker, and
    /// returns it; null when none waits.
    /// </summary>
    public abstract RunRecord? ClaimNext(bool demo = false);

    /// <summary>
    /// Runs left "running" by a worker that is gone are queued again, to resume from their checkpoints; a run whose
    /// worker died under it <paramref name="maxInterruptions"/> times is failed instead, since it is likely what
    /// killed the process. Only a process that died holding the run counts (<see cref="Deaths"/>): a worker that
    /// lost its store or was paused past its lease is not dead. A run a user asked to cancel is cancelled instead.
    /// Returns the ids of the requeued and the failed.
    /// </summary>
    public (IReadOnlyList<long> Requeued, IReadOnlyList<long> Failed) RequeueInterrupted(int maxInterruptions)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        var interrupted = StoreDatabase.Query(connection,
            $"""
            SELECT id, step, {HolderColumn}, {Deaths}, {HolderIncarnation}, cancel_requested
            FROM runs WHERE state = 'running'{Interrupted};
            """, r => (Id: r.GetInt64(0), Step: r.GetInt64(1), Holder: r.IsDBNull(2) ? null : r.GetString(2), Deaths: r.GetInt64(3),
                Incarnation: r.IsDBNull(4) ? null : r.GetString(4), Cancel: r.GetBoolean(5)));
        var requeued = new List<long>();
        var failed = new List<long>();
        foreach (var (id, step, holder, deaths, incarnation, cancel) in interrupted)
        {
            if (cancel)
            {
                StoreDatabase.Execute(connection,
                    $"UPDATE runs SET state = 'cancelled', finished_at = @now, error = @error{Release} WHERE id = @id;",
                    ("@id", id), ("@now", Now), ("@error", CancelledByRequest));
                AddEvent(connection, id, RunStates.Cancelled, $"{CancelledByRequest}; {Stopped(holder)} before the cancel reached it");
                failed.Add(id);
                continue;
            }
            if (IsThisProcess(incarnation))
            {
                // This very process held it and could not renew its lease (it lost the store, or was paused): not a death.
                StoreDatabase.Execute(connection, $"UPDATE runs SET state = 'queued'{Release} WHERE id = @id;", ("@id", id));
                AddEvent(connection, id, "stopped",
                    $"worker {holder} could not renew its lease (it lost the store or was paused); queued to resume from its last checkpoint");
                requeued.Add(id);
                continue;
            }
            AddEvent(connection, id, "interrupted", $"{Stopped(holder)} while the run trained; queued to resume from its last checkpoint");
            RecordDeath(connection, id, incarnation);
            var times = deaths + 1;
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

    /// <summary>The error of a run a user cancelled.</summary>
    public const string CancelledByRequest = "cancelled by request";

    /// <summary>The column that names who held an interrupted run (NULL where no one but this process could).</summary>
    protected virtual string HolderColumn => "NULL";

    /// <summary>The column that names the process that held it (NULL in the embedded store: there is one process).</summary>
    protected virtual string HolderIncarnation => "NULL";

    /// <summary>
    /// How many times a process died holding the run, before this one. The embedded store: every interruption, since
    /// runs are found interrupted only when its one process starts again.
    /// </summary>
    protected virtual string Deaths =>
        "(SELECT COUNT(*) FROM events e WHERE e.run_id = runs.id AND e.kind = 'interrupted')";

    /// <summary>Whether the process that held an interrupted run is this one (the embedded store: never, it just started).</summary>
    protected virtual bool IsThisProcess(string? incarnation) => false;

    /// <summary>Records that the holder of the run is presumed dead (the embedded store counts its events).</summary>
    protected virtual void RecordDeath(DbConnection connection, long runId, string? incarnation)
    {
    }

    /// <summary>
    /// What follows <c>state = 'running'</c> in the choice of interrupted runs: which of them count and how they are
    /// locked (the embedded store: every one, at start).
    /// </summary>
    protected virtual string Interrupted => "";

    /// <summary>What a run that goes back to the queue or fails gives up besides its state.</summary>
    protected virtual string Release => "";

    protected virtual string Stopped(string? holder) => "the service stopped";

    protected virtual string Died(long times) => $"the service died {times} times while this run trained";

    /// <summary>
    /// Back to the queue at a graceful shutdown, to resume from the checkpoint just written; a run a user asked to
    /// cancel is cancelled instead. Returns the state it is left in.
    /// </summary>
    public string Requeue(RunLease lease, string why)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        var state = StoreDatabase.Scalar(connection,
            $"""
            UPDATE runs SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
                finished_at = CASE WHEN cancel_requested THEN @now ELSE finished_at END,
                error = CASE WHEN cancel_requested THEN @cancelled ELSE error END{Release}
            WHERE id = @run AND {Fence.Row} RETURNING state;
            """, [.. lease.Parameters, ("@now", Now), ("@cancelled", CancelledByRequest)]) as string
            ?? throw new LeaseLostException(lease.RunId);
        AddEvent(connection, lease.RunId, state == RunStates.Cancelled ? RunStates.Cancelled : "stopped",
            state == RunStates.Cancelled ? $"{CancelledByRequest}; the service stopped before the cancel reached the run" : why);
        transaction.Commit();
        return state;
    }

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
    /// Records a user's cancel of a running run, for whichever worker trains it: from then on the run can only end
    /// cancelled (<see cref="Finish"/> and <see cref="Requeue"/> read it). False when the run is not running (any
    /// more): the caller reads what it became.
    /// </summary>
    public bool RequestCancel(long id) =>
        Database.Execute("UPDATE runs SET cancel_requested = TRUE WHERE id = @id AND state = 'running';", ("@id", id)) == 1;

    /// <summary>Records a checkpoint; the stored progress never moves back.</summary>
    public void RecordCheckpoint(RunLease lease, long step, int epoch)
    {
        if (Database.Execute(
                $"""
                UPDATE runs SET checkpoint_step = @step, step = {Greatest("step", "@step")}, epoch = {Greatest("epoch", "@epoch")}{Renew}
                WHERE id = @run AND {Fence.Row};
                """, [.. lease.Parameters, ("@step", step), ("@epoch", epoch), ("@lease", LeaseLength)]) == 0)
            throw new LeaseLostException(lease.RunId);
    }

    /// <summary>The larger of two values in this dialect (<c>MAX</c> of SQLite, <c>GREATEST</c> of PostgreSQL).</summary>
    protected abstract string Greatest(string a, string b);

    /// <summary>What a checkpoint also sets on the run's row (a fleet renews the lease, <c>@lease</c> long).</summary>
    protected virtual string Renew => "";

    /// <summary>The length of a lease (a fleet's); null where there are none.</summary>
    protected virtual object? LeaseLength => null;

    /// <summary>A run that starts over from step 0 forgets the position and epochs of the attempt it lost.</summary>
    public void ResetProgress(RunLease lease)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (StoreDatabase.Execute(connection, $"UPDATE runs SET step = 0, epoch = 0, checkpoint_step = NULL WHERE id = @run AND {Fence.Row};",
                lease.Parameters) == 0)
            throw new LeaseLostException(lease.RunId);
        StoreDatabase.Execute(connection, "DELETE FROM epochs WHERE run_id = @run;", lease.Parameters);
        AddEvent(connection, lease.RunId, "restarted", "no usable checkpoint; training starts over from step 0");
        transaction.Commit();
    }

    /// <summary>Records a finished epoch; an epoch trained again after a resume replaces its row.</summary>
    public void RecordEpoch(RunLease lease, EpochRecord epoch)
    {
        if (Database.Execute(
                $"""
                INSERT INTO epochs (run_id, epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate)
                SELECT @run, @epoch, @step, @tl, @ta, @vl, @va, @lr WHERE {Fence.Holds}
                ON CONFLICT (run_id, epoch) DO UPDATE SET step = EXCLUDED.step, train_loss = EXCLUDED.train_loss,
                    train_accuracy = EXCLUDED.train_accuracy, valid_loss = EXCLUDED.valid_loss,
                    valid_accuracy = EXCLUDED.valid_accuracy, learning_rate = EXCLUDED.learning_rate;
                """,
                [.. lease.Parameters, ("@epoch", epoch.Epoch), ("@step", epoch.Step), ("@tl", StoredRows.Finite(epoch.TrainLoss)),
                    ("@ta", StoredRows.Finite(epoch.TrainAccuracy)), ("@vl", StoredRows.Finite(epoch.ValidLoss)),
                    ("@va", StoredRows.Finite(epoch.ValidAccuracy)), ("@lr", StoredRows.Finite(epoch.LearningRate))]) == 0)
            throw new LeaseLostException(lease.RunId);
    }

    public IReadOnlyList<EpochRecord> Epochs(long id) =>
        Database.Query($"SELECT {StoredRows.EpochColumns} FROM epochs WHERE run_id = @id ORDER BY epoch;", StoredRows.Epoch, ("@id", id));

    /// <summary>
    /// Ends a run its worker holds, in one guarded update: a run a user asked to cancel ends cancelled whatever it
    /// finished as (the cancel came first). Returns the state recorded.
    /// </summary>
    public string Finish(RunLease lease, string state, long step, int epoch, string? error, string? resultJson)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        var recorded = StoreDatabase.Scalar(connection,
            $"""
            UPDATE runs SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE @state END, finished_at = @now,
                step = @step, epoch = @epoch,
                error = CASE WHEN cancel_requested AND @state <> 'cancelled' THEN @cancelled ELSE @error END,
                result = CASE WHEN cancel_requested THEN NULL ELSE @result END{Finished}
            WHERE id = @run AND {Fence.Row} RETURNING state;
            """, [.. lease.Parameters, ("@state", state), ("@now", Now), ("@step", step), ("@epoch", epoch), ("@error", error),
                ("@result", resultJson), ("@cancelled", CancelledByRequest)]) as string ?? throw new LeaseLostException(lease.RunId);
        AddEvent(connection, lease.RunId, recorded,
            recorded == state ? error ?? state : $"{CancelledByRequest} (it had {state} when the cancel arrived: {error ?? "no error"})");
        transaction.Commit();
        return recorded;
    }

    /// <summary>What an ended run gives up besides its state (a fleet: its lease; it keeps its worker's name).</summary>
    protected virtual string Finished => "";

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

    /// <summary>An event its worker records for a run it holds.</summary>
    public void AddEvent(RunLease lease, string kind, string message)
    {
        if (Database.Execute($"INSERT INTO events (run_id, at, kind, message) SELECT @run, @at, @kind, @message WHERE {Fence.Holds};",
                [.. lease.Parameters, ("@at", Now), ("@kind", kind), ("@message", message)]) == 0)
            throw new LeaseLostException(lease.RunId);
    }

    protected void AddEvent(DbConnection connection, long? runId, string kind, string message) =>
        StoreDatabase.Execute(connection, "INSERT INTO events (run_id, at, kind, message) VALUES (@run, @at, @kind, @message);",
            ("@run", runId), ("@at", Now), ("@kind", kind), ("@message", message));

    /// <summary>A run from the columns <see cref="Columns"/>.</summary>
    protected virtual RunRecord Read(DbDataReader r) => StoredRows.Run(r, Database.Dialect);
}
