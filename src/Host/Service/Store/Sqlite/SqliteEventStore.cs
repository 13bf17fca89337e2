namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// Reads a run's events: the lifecycle events the service wrote (the events table, plus the start from the run
/// row), and the training events found in its stored steps (clipped bursts, non-finite steps, the latest
/// checkpoint), so nothing extra is written while a run trains. Read-only: RunStore writes the events table.
/// </summary>
internal sealed class SqliteEventStore(Database database) : EventStore
{
    /// <summary>Lifecycle events by time, oldest first, at most <paramref name="limit"/> (the oldest).</summary>
    public override IReadOnlyList<RunEvent> Lifecycle(RunRecord run, int limit)
    {
        var events = new List<RunEvent>();
        using var connection = database.Open();
        using (var command = Database.Command(connection,
            "SELECT at, kind, message FROM events WHERE run_id = $run ORDER BY id LIMIT $limit;", ("$run", run.Id), ("$limit", limit)))
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
                events.Add(new RunEvent(r.GetString(1), Sql.ReadTime(r, 0), null, null, r.GetString(2)));
        }
        return WithStart(events, run, limit);
    }

    /// <summary>
    /// Training events in step order after <paramref name="afterStep"/>, at most <paramref name="limit"/>: every
    /// non-finite step, every run of at least <see cref="EventStore.BurstSteps"/> consecutive clipped steps, and the latest
    /// checkpoint. Steps reach the store at each checkpoint, so a training run's newest steps appear with its next one.
    /// </summary>
    public override IReadOnlyList<RunEvent> Training(RunRecord run, long afterStep, int limit)
    {
        var events = new List<RunEvent>();
        using var connection = database.Open();
        using (var command = Database.Command(connection,
            """
            SELECT step, loss, grad_norm FROM gradient_steps
            WHERE run_id = $run AND non_finite = 1 AND step > $after ORDER BY step LIMIT $limit;
            """, ("$run", run.Id), ("$after", afterStep), ("$limit", limit)))
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
                events.Add(NonFinite(r.GetInt64(0), StoredRows.DoubleOrNull(r, 1), StoredRows.DoubleOrNull(r, 2)));
        }
        // Gaps and islands: within a burst step − row number is constant.
        using (var command = Database.Command(connection,
            """
            SELECT MIN(step), MAX(step), COUNT(*), MAX(grad_norm) FROM (
                SELECT step, grad_norm, step - ROW_NUMBER() OVER (ORDER BY step) AS island
                FROM gradient_steps WHERE run_id = $run AND clipped = 1)
            GROUP BY island HAVING COUNT(*) >= $burst AND MIN(step) > $after ORDER BY MIN(step) LIMIT $limit;
            """, ("$run", run.Id), ("$burst", BurstSteps), ("$after", afterStep), ("$limit", limit)))
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
