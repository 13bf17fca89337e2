namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>A run's events from PostgreSQL: the same queries as the embedded store's, in PostgreSQL's dialect.</summary>
internal sealed class PgEventStore(PgDatabase database) : EventStore
{
    public override IReadOnlyList<RunEvent> Lifecycle(RunRecord run, int limit)
    {
        var events = new List<RunEvent>();
        using var connection = database.Open();
        using (var command = PgDatabase.Command(connection,
            "SELECT at, kind, message FROM events WHERE run_id = @run ORDER BY id LIMIT @limit;", ("run", run.Id), ("limit", limit)))
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
                events.Add(new RunEvent(r.GetString(1), PgSql.Time(r, 0), null, null, r.GetString(2)));
        }
        return WithStart(events, run, limit);
    }

    public override IReadOnlyList<RunEvent> Training(RunRecord run, long afterStep, int limit)
    {
        var events = new List<RunEvent>();
        using var connection = database.Open();
        using (var command = PgDatabase.Command(connection,
            """
            SELECT step, loss, grad_norm FROM gradient_steps
            WHERE run_id = @run AND non_finite AND step > @after ORDER BY step LIMIT @limit;
            """, ("run", run.Id), ("after", afterStep), ("limit", limit)))
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
                events.Add(NonFinite(r.GetInt64(0), StoredRows.DoubleOrNull(r, 1), StoredRows.DoubleOrNull(r, 2)));
        }
        // Gaps and islands: within a burst step − row number is constant.
        using (var command = PgDatabase.Command(connection,
            """
            SELECT MIN(step), MAX(step), COUNT(*), MAX(grad_norm) FROM (
                SELECT step, grad_norm, step - ROW_NUMBER() OVER (ORDER BY step) AS island
                FROM gradient_steps WHERE run_id = @run AND clipped) AS steps
            GROUP BY island HAVING COUNT(*) >= @burst AND MIN(step) > @after ORDER BY MIN(step) LIMIT @limit;
            """, ("run", run.Id), ("burst", (long)BurstSteps), ("after", afterStep), ("limit", limit)))
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
                events.Add(ClippedBurst(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), StoredRows.DoubleOrNull(r, 3)));
        }
        if (LatestCheckpoint(run, afterStep) is { } checkpoint)
            events.Add(checkpoint);
        return [.. events.OrderBy(e => e.Step).Take(limit)];
    }
}
