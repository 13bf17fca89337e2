namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// Runs in the embedded store, which one process owns: it holds every running run, so its state changes need no
/// fencing, and at start every run still marked running was interrupted.
/// </summary>
internal sealed class SqliteRunStore(SqliteDatabase database, TimeProvider clock) : RunStore(database, clock)
{
    public override RunRecord? ClaimNext() => Database.First(
        $"""
        UPDATE runs SET state = 'running', started_at = COALESCE(started_at, @now)
        WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1)
        RETURNING {Columns};
        """, Read, ("@now", Now));

    public override void Requeue(long id, string why)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (StoreDatabase.Execute(connection, "UPDATE runs SET state = 'queued' WHERE id = @id AND state = 'running';", ("@id", id)) == 0)
            return;
        AddEvent(connection, id, "stopped", why);
        transaction.Commit();
    }

    public override void RecordCheckpoint(long id, long step, int epoch) => Database.Execute(
        "UPDATE runs SET checkpoint_step = @step, step = MAX(step, @step), epoch = MAX(epoch, @epoch) WHERE id = @id;",
        ("@id", id), ("@step", step), ("@epoch", epoch));

    public override void Finish(long id, string state, long step, int epoch, string? error, string? resultJson)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        StoreDatabase.Execute(connection,
            """
            UPDATE runs SET state = @state, finished_at = @now, step = @step, epoch = @epoch, error = @error, result = @result
            WHERE id = @id;
            """,
            ("@id", id), ("@state", state), ("@now", Now), ("@step", step), ("@epoch", epoch), ("@error", error), ("@result", resultJson));
        AddEvent(connection, id, state, error ?? state);
        transaction.Commit();
    }
}
