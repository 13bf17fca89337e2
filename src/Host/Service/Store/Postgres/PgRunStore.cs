using System.Data.Common;
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
internal sealed class PgRunStore(PgDatabase database, WorkerIdentity worker, TimeProvider clock) : RunStore(database, clock)
{
    // The fleet's columns follow the ones both stores share.
    protected override string Columns => StoredRows.RunColumns + ", worker, attempts, sweep_id";

    /// <summary>Inserts a queued run of a sweep inside the sweep's transaction; null when the name is taken.</summary>
    public long? InsertMember(DbConnection connection, string name, string requestJson, long sweepId) =>
        Insert(connection, name, requestJson, (long?)sweepId);

    public IReadOnlyList<RunRecord> OfSweep(long sweepId) =>
        Database.Query($"SELECT {Columns} FROM runs WHERE sweep_id = @sweep ORDER BY id;", Read, ("@sweep", sweepId));

    public override RunRecord? ClaimNext() => Database.First(
        $"""
        UPDATE runs SET state = 'running', started_at = COALESCE(started_at, @now), worker = @worker,
            lease_until = now() + @lease, attempts = attempts + 1
        WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING {Columns};
        """, Read, ("@now", Now), ("@worker", worker.Id), ("@lease", worker.Lease));

    // In a fleet "interrupted" means the lease ran out: the runs of live workers are left alone. Each expired run is
    // locked, skipping those another worker is handling.
    protected override string HolderColumn => "worker";

    protected override string Interrupted => " AND (lease_until IS NULL OR lease_until < now()) ORDER BY id FOR UPDATE SKIP LOCKED";

    protected override string Release => ", worker = NULL, lease_until = NULL";

    protected override string Stopped(string? holder) => $"worker {holder ?? "?"} stopped renewing its lease";

    protected override string Died(long times) => $"the run's worker died {times} times while it trained";

    public override void RequestCancel(long id) =>
        Database.Execute("UPDATE runs SET cancel_requested = true WHERE id = @id AND state = 'running';", ("@id", id));

    /// <summary>
    /// Extends the leases of the runs this worker is training (<paramref name="training"/>); returns those it still
    /// holds, so the caller can stop training any that was taken from it, and those a user asked to cancel through
    /// any worker's API. A run this worker holds but no longer trains (its training died with the database
    /// connection) is not renewed: it expires and is queued again.
    /// </summary>
    public (IReadOnlySet<long> Held, IReadOnlySet<long> CancelRequested) RenewLeases(IReadOnlyCollection<long> training)
    {
        var renewed = Database.Query(
            """
            UPDATE runs SET lease_until = now() + @lease WHERE state = 'running' AND worker = @worker AND id = ANY(@ids)
            RETURNING id, cancel_requested;
            """, r => (Id: r.GetInt64(0), Cancel: r.GetBoolean(1)),
            ("@worker", worker.Id), ("@lease", worker.Lease), ("@ids", training.ToArray()));
        return (renewed.Select(r => r.Id).ToHashSet(), renewed.Where(r => r.Cancel).Select(r => r.Id).ToHashSet());
    }

    public override void Requeue(long id, string why)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        if (StoreDatabase.Execute(connection,
                $"UPDATE runs SET state = 'queued'{Release} WHERE id = @id AND state = 'running' AND worker = @worker;",
                ("@id", id), ("@worker", worker.Id)) == 0)
            return;
        AddEvent(connection, id, "stopped", why);
        transaction.Commit();
    }

    public override void RecordCheckpoint(long id, long step, int epoch) => Database.Execute(
        """
        UPDATE runs SET checkpoint_step = @step, step = GREATEST(step, @step), epoch = GREATEST(epoch, @epoch),
            lease_until = now() + @lease
        WHERE id = @id AND worker = @worker;
        """,
        ("@id", id), ("@step", step), ("@epoch", epoch), ("@worker", worker.Id), ("@lease", worker.Lease));

    public override void Finish(long id, string state, long step, int epoch, string? error, string? resultJson)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        // A run that ends here was held by this worker (running) or never started (a stored request found bad).
        if (StoreDatabase.Execute(connection,
                """
                UPDATE runs SET state = @state, finished_at = @now, step = @step, epoch = @epoch, error = @error, result = @result,
                    lease_until = NULL
                WHERE id = @id AND (worker = @worker OR state = 'queued');
                """,
                ("@id", id), ("@state", state), ("@now", Now), ("@step", step), ("@epoch", epoch),
                ("@error", error), ("@result", resultJson), ("@worker", worker.Id)) == 0)
            return;
        AddEvent(connection, id, state, error ?? state);
        transaction.Commit();
    }

    protected override RunRecord Read(DbDataReader r) => StoredRows.Run(r, Database.Dialect) with
    {
        Worker = r.IsDBNull(12) ? null : r.GetString(12),
        Attempts = r.GetInt32(13),
        SweepId = r.IsDBNull(14) ? null : r.GetInt64(14),
    };
}
