namespace Recurrent.Host.Service.Store;

/// <summary>One entry of a run's event log; <c>at</c> for what the service recorded, <c>step</c> for what training did.</summary>
/// <param name="Kind">created, started, resumed, stopped, interrupted, checkpoint-unreadable, succeeded, failed, cancelled;
/// checkpoint, clipped-burst, non-finite.</param>
/// <param name="At">When the service recorded it (null for events read from the step history).</param>
/// <param name="Step">The training step it happened at (the first step of a burst), when known.</param>
/// <param name="LastStep">A burst's last step.</param>
/// <param name="Message">What happened, for a person; for failed runs the reason.</param>
internal sealed record RunEvent(string Kind, DateTimeOffset? At, long? Step, long? LastStep, string Message);

/// <summary>
/// Reads a run's events: the lifecycle events the service wrote (the events table, plus the start from the run
/// row), and the training events found in its stored steps (clipped bursts, non-finite steps, the latest
/// checkpoint), so nothing extra is written while a run trains. Read-only: RunStore writes the events table.
/// </summary>
internal sealed class EventStore(StoreDatabase database)
{
    /// <summary>Consecutive clipped steps that make a burst: fewer is ordinary clipping, not an episode.</summary>
    public const int BurstSteps = 10;

    /// <summary>
    /// Lifecycle events by time, oldest first, at most <paramref name="limit"/> (the oldest): the stored ones with
    /// the start taken from the run row (never written as an event); stable, so a start recorded at the instant of
    /// its creation stays after it.
    /// </summary>
    public IReadOnlyList<RunEvent> Lifecycle(RunRecord run, int limit)
    {
        var events = database.Query("SELECT at, kind, message FROM events WHERE run_id = @run ORDER BY id LIMIT @limit;",
            r => new RunEvent(r.GetString(1), database.Dialect.ReadTime(r, 0), null, null, r.GetString(2)),
            ("@run", run.Id), ("@limit", limit));
        if (run.StartedAt is { } started)
            events.Add(new RunEvent("started", started, null, null, "the worker took the run from the queue"));
        return [.. events.OrderBy(e => e.At).Take(limit)];
    }

    /// <summary>
    /// Training events in step order after <paramref name="afterStep"/>, at most <paramref name="limit"/>: every
    /// non-finite step, every run of at least <see cref="BurstSteps"/> consecutive clipped steps, and the latest
    /// checkpoint. Steps reach the store at each checkpoint, so a training run's newest training events appear with its next one.
    /// </summary>
    public IReadOnlyList<RunEvent> Training(RunRecord run, long afterStep, int limit)
    {
        using var connection = database.Open();
        var events = StoreDatabase.Query(connection,
            """
            SELECT step, loss, grad_norm FROM gradient_steps
            WHERE run_id = @run AND non_finite = TRUE AND step > @after ORDER BY step LIMIT @limit;
            """, r => NonFinite(r.GetInt64(0), StoredRows.DoubleOrNull(r, 1), StoredRows.DoubleOrNull(r, 2)),
            ("@run", run.Id), ("@after", afterStep), ("@limit", limit));
        // Gaps and islands: within a burst step − row number is constant.
        events.AddRange(StoreDatabase.Query(connection,
            """
            SELECT MIN(step), MAX(step), COUNT(*), MAX(grad_norm) FROM (
                SELECT step, grad_norm, step - ROW_NUMBER() OVER (ORDER BY step) AS island
                FROM gradient_steps WHERE run_id = @run AND clipped = TRUE) AS steps
            GROUP BY island HAVING COUNT(*) >= @burst AND MIN(step) > @after ORDER BY MIN(step) LIMIT @limit;
            """, r => ClippedBurst(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), StoredRows.DoubleOrNull(r, 3)),
            ("@run", run.Id), ("@burst", (long)BurstSteps), ("@after", afterStep), ("@limit", limit)));
        if (LatestCheckpoint(run, afterStep) is { } checkpoint)
            events.Add(checkpoint);
        return [.. events.OrderBy(e => e.Step).Take(limit)];
    }

    private static RunEvent NonFinite(long step, double? loss, double? norm) => new("non-finite", null, step, null,
        $"step {step}: non-finite loss or gradient (loss {Text(loss)}, norm {Text(norm)}); the update was not applied");

    private static RunEvent ClippedBurst(long first, long last, long count, double? largestNorm) => new("clipped-burst", null, first, last,
        $"{count} consecutive steps clipped, steps {first}–{last}; largest norm before clipping {Text(largestNorm)}");

    /// <summary>The run's latest checkpoint, while it can still resume from it.</summary>
    private static RunEvent? LatestCheckpoint(RunRecord run, long afterStep) =>
        run.CheckpointStep is { } checkpoint && checkpoint > afterStep && !RunStates.IsFinal(run.State)
            ? new RunEvent("checkpoint", null, checkpoint, null,
                $"latest checkpoint at step {checkpoint} (epoch {run.Epoch}); a restart resumes from here")
            : null;

    private static string Text(double? value) =>
        value is double v ? v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "not finite";
}
