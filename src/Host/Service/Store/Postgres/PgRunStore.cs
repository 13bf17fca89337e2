using System.Data.Common;
using Npgsql;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// Runs in PostgreSQL, shared by every worker of a fleet. A worker claims a queued run with
/// <c>SELECT ... FOR UPDATE SKIP LOCKED</c>, so two workers never take the same run and neither waits for the
/// other, and holds it by a lease it renews while training (<see cref="RenewLeases"/>); a run whose lease ran out
/// (its worker died or lost the database) is queued again by whichever worker notices first, and resumes from its
/// last checkpoint. State changes of a running run are fenced by the worker id, so a worker that lost its lease
/// cannot overwrite what the run's new worker records.
/// </summary>
internal sealed class PgRunStore(PgDatabase database, WorkerIdentity worker, TimeProvider clock) : RunStore
{
    // The fleet's columns follow the ones both stores share.
    private const string Columns = StoredRows.RunColumns + ", worker, attempts, sweep_id";

    public override int SchemaVersion => database.SchemaVersion;

    public override RunRecord? Create(string? name, string requestJson) => Create(name, requestJson, null);

    /// <summary>Like <see cref="Create(string?, string)"/>, as a member of a sweep.</summary>
    public RunRecord? Create(string? name, string requestJson, long? sweepId)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var id = Insert(connection, name, requestJson, sweepId);
        if (id is null)
            return null;
        transaction.Commit();
        return Get(id.Value);
    }

    /// <summary>Inserts a queued run inside the caller's transaction; null when the name is taken.</summary>
    public long? Insert(NpgsqlConnection connection, string? name, string requestJson, long? sweepId)
    {
        long id;
        using (var command = PgDatabase.Command(connection, "SELECT nextval(pg_get_serial_sequence('runs', 'id'));"))
            id = (long)command.ExecuteScalar()!;
        var inserted = PgDatabase.Execute(connection,
            """
            INSERT INTO runs (id, name, state, request, created_at, sweep_id) VALUES (@id, @name, 'queued', @request, @now, @sweep)
            ON CONFLICT (name) DO NOTHING;
            """,
            ("id", id), ("name", name ?? $"run-{id}"), ("request", requestJson), ("now", clock.GetUtcNow()), ("sweep", sweepId));
        if (inserted == 0)
            return null;
        AddEvent(connection, id, "created", "queued");
        return id;
    }

    public override RunRecord? Get(long id)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, $"SELECT {Columns} FROM runs WHERE id = @id;", ("id", id));
        return StoredRows.First(command, Read);
    }

    public override IReadOnlyList<RunRecord> List() => Query($"SELECT {Columns} FROM runs ORDER BY id;");

    public IReadOnlyList<RunRecord> OfSweep(long sweepId) =>
        Query($"SELECT {Columns} FROM runs WHERE sweep_id = @sweep ORDER BY id;", ("sweep", sweepId));

    public override RunRecord? ClaimNext()
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            $"""
            UPDATE runs SET state = 'running', started_at = COALESCE(started_at, @now), worker = @worker,
                lease_until = now() + @lease, attempts = attempts + 1
            WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING {Columns};
            """, ("now", clock.GetUtcNow()), ("worker", worker.Id), ("lease", worker.Lease));
        return StoredRows.First(command, Read);
    }

    /// <summary>
    /// In a fleet "interrupted" means the lease ran out: the runs of live workers are left alone. Each expired run
    /// is locked (skipping those another worker is handling) and queued again, or failed after
    /// <paramref name="maxInterruptions"/> interruptions, like the embedded store does at start.
    /// </summary>
    public override (IReadOnlyList<long> Requeued, IReadOnlyList<long> Failed) RequeueInterrupted(int maxInterruptions)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var expired = new List<(long Id, long Step, string? Worker, long Times)>();
        using (var command = PgDatabase.Command(connection,
                   """
                   SELECT id, step, worker, (SELECT COUNT(*) FROM events e WHERE e.run_id = runs.id AND e.kind = 'interrupted')
                   FROM runs WHERE state = 'running' AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY id FOR UPDATE SKIP LOCKED;
                   """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                expired.Add((reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3) + 1));
        }
        var requeued = new List<long>();
        var failed = new List<long>();
        foreach (var (id, step, holder, times) in expired)
        {
            AddEvent(connection, id, "interrupted",
                $"worker {holder ?? "?"} stopped renewing its lease while the run trained; queued to resume from its last checkpoint");
            if (times < maxInterruptions)
            {
                PgDatabase.Execute(connection, "UPDATE runs SET state = 'queued', worker = NULL, lease_until = NULL WHERE id = @id;", ("id", id));
                requeued.Add(id);
                continue;
            }
            var error = $"the run's worker died {times} times while it trained (the last time after step {step}); " +
                "it is failed rather than resumed again (Recurrent:MaxRunInterruptions)";
            PgDatabase.Execute(connection,
                "UPDATE runs SET state = 'failed', finished_at = @now, error = @error, worker = NULL, lease_until = NULL WHERE id = @id;",
                ("id", id), ("now", clock.GetUtcNow()), ("error", error));
            AddEvent(connection, id, RunStates.Failed, error);
            failed.Add(id);
        }
        transaction.Commit();
        return (requeued, failed);
    }

    public override void RequestCancel(long id)
    {
        using var connection = database.Open();
        PgDatabase.Execute(connection, "UPDATE runs SET cancel_requested = true WHERE id = @id AND state = 'running';", ("id", id));
    }

    /// <summary>
    /// Extends the leases of the runs this worker is training (<paramref name="training"/>); returns those it still
    /// holds, so the caller can stop training any that was taken from it, and those a user asked to cancel through
    /// any worker's API. A run this worker holds but no longer trains (its training died with the database
    /// connection) is not renewed: it expires and is queued again.
    /// </summary>
    public (IReadOnlySet<long> Held, IReadOnlySet<long> CancelRequested) RenewLeases(IReadOnlyCollection<long> training)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            """
            UPDATE runs SET lease_until = now() + @lease WHERE state = 'running' AND worker = @worker AND id = ANY(@ids)
            RETURNING id, cancel_requested;
            """,
            ("worker", worker.Id), ("lease", worker.Lease), ("ids", training.ToArray()));
        using var reader = command.ExecuteReader();
        var held = new HashSet<long>();
        var cancel = new HashSet<long>();
        while (reader.Read())
        {
            held.Add(reader.GetInt64(0));
            if (reader.GetBoolean(1))
                cancel.Add(reader.GetInt64(0));
        }
        return (held, cancel);
    }

    public override void Requeue(long id, string why)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        if (PgDatabase.Execute(connection,
                "UPDATE runs SET state = 'queued', worker = NULL, lease_until = NULL WHERE id = @id AND state = 'running' AND worker = @worker;",
                ("id", id), ("worker", worker.Id)) == 0)
            return;
        AddEvent(connection, id, "stopped", why);
        transaction.Commit();
    }

    public override bool CancelQueued(long id)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        if (PgDatabase.Execute(connection,
                "UPDATE runs SET state = 'cancelled', finished_at = @now WHERE id = @id AND state = 'queued';",
                ("id", id), ("now", clock.GetUtcNow())) == 0)
            return false;
        AddEvent(connection, id, "cancelled", "cancelled before it started");
        transaction.Commit();
        return true;
    }

    public override void RecordCheckpoint(long id, long step, int epoch)
    {
        using var connection = database.Open();
        PgDatabase.Execute(connection,
            """
            UPDATE runs SET checkpoint_step = @step, step = GREATEST(step, @step), epoch = GREATEST(epoch, @epoch),
                lease_until = now() + @lease
            WHERE id = @id AND worker = @worker;
            """,
            ("id", id), ("step", step), ("epoch", epoch), ("worker", worker.Id), ("lease", worker.Lease));
    }

    public override void ResetProgress(long id)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        PgDatabase.Execute(connection, "UPDATE runs SET step = 0, epoch = 0, checkpoint_step = NULL WHERE id = @id;", ("id", id));
        PgDatabase.Execute(connection, "DELETE FROM epochs WHERE run_id = @id;", ("id", id));
        AddEvent(connection, id, "restarted", "no usable checkpoint; training starts over from step 0");
        transaction.Commit();
    }

    public override void RecordEpoch(long id, EpochRecord epoch)
    {
        using var connection = database.Open();
        PgDatabase.Execute(connection,
            """
            INSERT INTO epochs (run_id, epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate)
            VALUES (@id, @epoch, @step, @tl, @ta, @vl, @va, @lr)
            ON CONFLICT (run_id, epoch) DO UPDATE SET step = EXCLUDED.step, train_loss = EXCLUDED.train_loss,
                train_accuracy = EXCLUDED.train_accuracy, valid_loss = EXCLUDED.valid_loss,
                valid_accuracy = EXCLUDED.valid_accuracy, learning_rate = EXCLUDED.learning_rate;
            """,
            ("id", id), ("epoch", epoch.Epoch), ("step", epoch.Step), ("tl", StoredRows.Finite(epoch.TrainLoss)),
            ("ta", StoredRows.Finite(epoch.TrainAccuracy)), ("vl", StoredRows.Finite(epoch.ValidLoss)),
            ("va", StoredRows.Finite(epoch.ValidAccuracy)), ("lr", StoredRows.Finite(epoch.LearningRate)));
    }

    public override IReadOnlyList<EpochRecord> Epochs(long id) => SharedQueries.Epochs(database, id);

    public override void Finish(long id, string state, long step, int epoch, string? error, string? resultJson)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        // A run that ends here was held by this worker (running) or never started (a stored request found bad).
        if (PgDatabase.Execute(connection,
                """
                UPDATE runs SET state = @state, finished_at = @now, step = @step, epoch = @epoch, error = @error, result = @result,
                    lease_until = NULL
                WHERE id = @id AND (worker = @worker OR state = 'queued');
                """,
                ("id", id), ("state", state), ("now", clock.GetUtcNow()), ("step", step), ("epoch", epoch),
                ("error", error), ("result", resultJson), ("worker", worker.Id)) == 0)
            return;
        AddEvent(connection, id, state, error ?? state);
        transaction.Commit();
    }

    public override RunStateCounts CountStates() => SharedQueries.StateCounts(database);

    public override void AddEvent(long? runId, string kind, string message)
    {
        using var connection = database.Open();
        AddEvent(connection, runId, kind, message);
    }

    private void AddEvent(NpgsqlConnection connection, long? runId, string kind, string message) =>
        PgDatabase.Execute(connection, "INSERT INTO events (run_id, at, kind, message) VALUES (@run, @at, @kind, @message);",
            ("run", runId), ("at", clock.GetUtcNow()), ("kind", kind), ("message", message));

    private List<RunRecord> Query(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, sql, parameters);
        return StoredRows.All(command, Read);
    }

    private static RunRecord Read(DbDataReader r) => StoredRows.Run(r, PgSql.Time) with
    {
        Worker = r.IsDBNull(12) ? null : r.GetString(12),
        Attempts = r.GetInt32(13),
        SweepId = r.IsDBNull(14) ? null : r.GetInt64(14),
    };
}
