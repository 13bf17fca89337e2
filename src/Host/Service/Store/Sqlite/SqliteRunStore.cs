using System.Data.Common;
using Microsoft.Data.Sqlite;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>Runs, their epochs and their events in the store. State changes are single guarded UPDATEs.</summary>
internal sealed class SqliteRunStore(Database database, TimeProvider clock) : RunStore
{
    private const string Columns = StoredRows.RunColumns;

    public override int SchemaVersion => SchemaMigrations.Latest;

    /// <summary>Inserts a queued run; the name defaults to run-ID. Returns null when the name is taken.</summary>
    public override RunRecord? Create(string? name, string requestJson)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        // A placeholder keeps NOT NULL UNIQUE satisfied until the id is known.
        var placeholder = name ?? $"pending-{Guid.NewGuid():N}";
        try
        {
            Database.Execute(connection,
                "INSERT INTO runs (name, state, request, created_at) VALUES ($name, $state, $request, $now);",
                ("$name", placeholder), ("$state", RunStates.Queued), ("$request", requestJson), ("$now", Sql.Time(clock.GetUtcNow())));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the name is taken
        {
            return null;
        }
        var id = LastId(connection);
        if (name is null)
            Database.Execute(connection, "UPDATE runs SET name = $name WHERE id = $id;", ("$name", $"run-{id}"), ("$id", id));
        AddEvent(connection, id, "created", "queued");
        transaction.Commit();
        return Get(id);
    }

    public override RunRecord? Get(long id)
    {
        using var connection = database.Open();
        using var command = Database.Command(connection, $"SELECT {Columns} FROM runs WHERE id = $id;", ("$id", id));
        return StoredRows.First(command, Read);
    }

    public override IReadOnlyList<RunRecord> List()
    {
        using var connection = database.Open();
        using var command = Database.Command(connection, $"SELECT {Columns} FROM runs ORDER BY id;");
        return StoredRows.All(command, Read);
    }

    /// <summary>Marks the oldest queued run running and returns it; null when none waits.</summary>
    public override RunRecord? ClaimNext()
    {
        using var connection = database.Open();
        using var command = Database.Command(connection,
            """
            UPDATE runs SET state = 'running', started_at = COALESCE(started_at, $now)
            WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1)
            RETURNING id;
            """, ("$now", Sql.Time(clock.GetUtcNow())));
        var id = command.ExecuteScalar();
        return id is null ? null : Get((long)id);
    }

    /// <summary>
    /// Runs left "running" by a process that died are queued again, to resume from their checkpoints; a run that
    /// was already interrupted <paramref name="maxInterruptions"/> times is failed instead, since it is likely what
    /// killed the process. Returns the ids of both kinds.
    /// </summary>
    public override (IReadOnlyList<long> Requeued, IReadOnlyList<long> Failed) RequeueInterrupted(int maxInterruptions)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var interrupted = new List<(long Id, long Step, long Times)>();
        using (var command = Database.Command(connection,
                   """
                   SELECT id, step, (SELECT COUNT(*) FROM events e WHERE e.run_id = runs.id AND e.kind = 'interrupted')
                   FROM runs WHERE state = 'running';
                   """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                interrupted.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2) + 1));
        }
        var requeued = new List<long>();
        var failed = new List<long>();
        foreach (var (id, step, times) in interrupted)
        {
            AddEvent(connection, id, "interrupted", "the service stopped while the run trained; queued to resume from its last checkpoint");
            if (times < maxInterruptions)
            {
                Database.Execute(connection, "UPDATE runs SET state = 'queued' WHERE id = $id;", ("$id", id));
                requeued.Add(id);
                continue;
            }
            var error = $"the service died {times} times while this run trained (the last time after step {step}); " +
                "it is failed rather than resumed again (Recurrent:MaxRunInterruptions)";
            Database.Execute(connection, "UPDATE runs SET state = 'failed', finished_at = $now, error = $error WHERE id = $id;",
                ("$id", id), ("$now", Sql.Time(clock.GetUtcNow())), ("$error", error));
            AddEvent(connection, id, RunStates.Failed, error);
            failed.Add(id);
        }
        transaction.Commit();
        return (requeued, failed);
    }

    /// <summary>Back to the queue at a graceful shutdown, to resume from the checkpoint just written.</summary>
    public override void Requeue(long id, string why) => Transition(id, RunStates.Running, RunStates.Queued, "stopped", why);

    /// <summary>Cancels a queued run at once; false when it is not queued.</summary>
    public override bool CancelQueued(long id) => Transition(id, RunStates.Queued, RunStates.Cancelled, "cancelled", "cancelled before it started");

    public override void RecordCheckpoint(long id, long step, int epoch)
    {
        using var connection = database.Open();
        Database.Execute(connection,
            "UPDATE runs SET checkpoint_step = $step, step = MAX(step, $step), epoch = MAX(epoch, $epoch) WHERE id = $id;",
            ("$id", id), ("$step", step), ("$epoch", epoch));
    }

    /// <summary>A run that starts over from step 0 forgets the position and epochs of the attempt it lost.</summary>
    public override void ResetProgress(long id)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Database.Execute(connection, "UPDATE runs SET step = 0, epoch = 0, checkpoint_step = NULL WHERE id = $id;", ("$id", id));
        Database.Execute(connection, "DELETE FROM epochs WHERE run_id = $id;", ("$id", id));
        AddEvent(connection, id, "restarted", "no usable checkpoint; training starts over from step 0");
        transaction.Commit();
    }

    public override void RecordEpoch(long id, EpochRecord epoch)
    {
        using var connection = database.Open();
        Database.Execute(connection,
            """
            INSERT OR REPLACE INTO epochs (run_id, epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate)
            VALUES ($id, $epoch, $step, $tl, $ta, $vl, $va, $lr);
            """,
            ("$id", id), ("$epoch", epoch.Epoch), ("$step", epoch.Step), ("$tl", StoredRows.Finite(epoch.TrainLoss)),
            ("$ta", StoredRows.Finite(epoch.TrainAccuracy)), ("$vl", StoredRows.Finite(epoch.ValidLoss)),
            ("$va", StoredRows.Finite(epoch.ValidAccuracy)), ("$lr", StoredRows.Finite(epoch.LearningRate)));
    }

    public override IReadOnlyList<EpochRecord> Epochs(long id) => SharedQueries.Epochs(database, id);

    public override void Finish(long id, string state, long step, int epoch, string? error, string? resultJson)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Database.Execute(connection,
            """
            UPDATE runs SET state = $state, finished_at = $now, step = $step, epoch = $epoch, error = $error, result = $result
            WHERE id = $id;
            """,
            ("$id", id), ("$state", state), ("$now", Sql.Time(clock.GetUtcNow())), ("$step", step), ("$epoch", epoch),
            ("$error", error), ("$result", resultJson));
        AddEvent(connection, id, state, error ?? state);
        transaction.Commit();
    }

    public override RunStateCounts CountStates() => SharedQueries.StateCounts(database);

    public override void AddEvent(long? runId, string kind, string message)
    {
        using var connection = database.Open();
        AddEvent(connection, runId, kind, message);
    }

    private bool Transition(long id, string from, string to, string kind, string message)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = Database.Command(connection, "UPDATE runs SET state = $to, finished_at = CASE WHEN $final THEN $now ELSE finished_at END WHERE id = $id AND state = $from;",
            ("$id", id), ("$from", from), ("$to", to), ("$final", RunStates.IsFinal(to)), ("$now", Sql.Time(clock.GetUtcNow())));
        if (command.ExecuteNonQuery() == 0)
            return false;
        AddEvent(connection, id, kind, message);
        transaction.Commit();
        return true;
    }

    private void AddEvent(SqliteConnection connection, long? runId, string kind, string message) =>
        Database.Execute(connection, "INSERT INTO events (run_id, at, kind, message) VALUES ($run, $at, $kind, $message);",
            ("$run", runId), ("$at", Sql.Time(clock.GetUtcNow())), ("$kind", kind), ("$message", message));

    private static long LastId(SqliteConnection connection)
    {
        using var command = Database.Command(connection, "SELECT last_insert_rowid();");
        return (long)command.ExecuteScalar()!;
    }

    private static RunRecord Read(DbDataReader r) => StoredRows.Run(r, Sql.ReadTime);
}
