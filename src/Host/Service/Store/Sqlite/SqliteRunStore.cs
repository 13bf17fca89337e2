namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// Runs in the embedded store, which one process owns: it holds every running run, so its writes are fenced only by
/// the run still running, and at start every run still marked running was interrupted by that process dying.
/// </summary>
internal sealed class SqliteRunStore(SqliteDatabase database, TimeProvider clock) : RunStore(database, new RunFence(), clock)
{
    public override RunRecord? ClaimNext(bool demo = false) => Database.First(
        $"""
        UPDATE runs SET state = 'running', started_at = COALESCE(started_at, @now)
        WHERE id = (SELECT id FROM runs WHERE state = 'queued' AND demo = @demo ORDER BY id LIMIT 1)
        RETURNING {Columns};
        """, Read, ("@now", Now), ("@demo", demo));

    protected override string Greatest(string a, string b) => $"MAX({a}, {b})";
}
