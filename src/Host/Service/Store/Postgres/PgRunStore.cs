using System.Data.Common;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// Runs in PostgreSQL, shared by every worker of a fleet. A worker claims a queued run with
/// <c>SELECT ... FOR UPDATE SKIP LOCKED</c>, so two workers never take the same run and neither waits for the
/// other, and holds it by a lease it renews while training (<see cref="RenewLeases"/>); a run whose lease ran out
/// is queued again by whichever worker notices first, and resumes from its last checkpoint. Every claim counts
/// <c>attempts</c>, and that count is the claim's fencing token: every write a worker makes for the run (its row,
/// epochs, events, gradient steps, artifacts) checks it in the same statement (<see cref="PgRunFence"/>), so a
/// worker that lost its lease (paused, or cut off from the database) writes nothing after another claim.
/// A lease that ran out counts as a death of its holder only while that process is never heard of again: each
/// worker, alive, takes back the expiries of its own leases with every heartbeat (<see cref="Revive"/>).
/// </summary>
internal sealed class PgRunStore(PgDatabase database, WorkerIdentity worker, TimeProvider clock) : RunStore(database, new PgRunFence(), clock)
{
    // The fleet's columns follow the ones both stores share.
    protected override string Columns => StoredRows.RunColumns + ", worker, attempts, sweep_id";

    /// <summary>Inserts a queued run of a sweep inside the sweep's transaction; null when the name is taken.</summary>
    public long? InsertMember(DbConnection connection, string name, string requestJson, long sweepId) =>
        Insert(connection, name, requestJson, (long?)sweepId);

    public IReadOnlyList<RunRecord> OfSweep(long sweepId) =>
        Database.Query($"SELECT {Columns} FROM runs WHERE sweep_id = @sweep ORDER BY id;", Read, ("@sweep", sweepId));

    public override RunRecord? ClaimNext(bool demo = false) => Database.First(
        $"""
        UPDATE runs SET state = 'running', started_at = COALESCE(started_at, @now), worker = @worker, incarnation = @incarnation,
            lease_until = now() + @lease, attempts = attempts + 1
        WHERE id = (SELECT id FROM runs WHERE state = 'queued' AND demo = @demo ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING {Columns};
        """, Read, ("@now", Now), ("@worker", worker.Id), ("@incarnation", worker.Incarnation), ("@lease", worker.Lease),
        ("@demo", demo));

    // In a fleet "interrupted" means the lease ran out: the runs of live workers are left alone. Each expired run is
    // locked, skipping those another worker is handling (or writing for: the fence's share lock).
    protected override string HolderColumn => "worker";

    protected override string HolderIncarnation => "incarnation";

    protected override string Deaths => "(SELECT COUNT(*) FROM expired_leases e WHERE e.run_id = runs.id)";

    protected override bool IsThisProcess(string? incarnation) => incarnation == worker.Incarnation;

    protected override void RecordDeath(DbConnection connection, long runId, string? incarnation) =>
        StoreDatabase.Execute(connection, "INSERT INTO expired_leases (run_id, incarnation, at) VALUES (@run, @incarnation, now());",
            ("@run", runId), ("@incarnation", incarnation ?? "unknown"));

    protected override string Interrupted => " AND (lease_until IS NULL OR lease_until < now()) ORDER BY id FOR UPDATE SKIP LOCKED";

    protected override string Release => ", worker = NULL, incarnation = NULL, lease_until = NULL";

    protected override string Finished => ", lease_until = NULL";

    protected override string Renew => ", lease_until = now() + @lease";

    protected override object? LeaseLength => worker.Lease;

    protected override string Greatest(string a, string b) => $"GREATEST({a}, {b})";

    protected override string Stopped(string? holder) => $"worker {holder ?? "?"} stopped renewing its lease";

    protected override string Died(long times) => $"the run's worker died {times} times while it trained";

    /// <summary>
    /// Extends the leases of the runs this process is training (<paramref name="training"/>); returns those it still
    /// holds, so the caller can stop training any that was taken from it, and those a user asked to cancel through
    /// any worker's API. A run this worker holds but no longer trains (its training died with the database
    /// connection) is not renewed: it expires and is queued again.
    /// </summary>
    public (IReadOnlySet<long> Held, IReadOnlySet<long> CancelRequested) RenewLeases(IReadOnlyCollection<long> training)
    {
        var renewed = Database.Query(
            """
            UPDATE runs SET lease_until = now() + @lease WHERE state = 'running' AND incarnation = @incarnation AND id = ANY(@ids)
            RETURNING id, cancel_requested;
            """, r => (Id: r.GetInt64(0), Cancel: r.GetBoolean(1)),
            ("@incarnation", worker.Incarnation), ("@lease", worker.Lease), ("@ids", training.ToArray()));
        return (renewed.Select(r => r.Id).ToHashSet(), renewed.Where(r => r.Cancel).Select(r => r.Id).ToHashSet());
    }

    /// <summary>
    /// This process is alive: the leases that ran out under it (it lost the database, or was paused past its lease)
    /// were no deaths, and stop counting towards <c>MaxRunInterruptions</c>. Returns the runs concerned.
    /// </summary>
    public IReadOnlyList<long> Revive()
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        var runs = StoreDatabase.Query(connection,
            "WITH gone AS (DELETE FROM expired_leases WHERE incarnation = @incarnation RETURNING run_id) SELECT DISTINCT run_id FROM gone;",
            r => r.GetInt64(0), ("@incarnation", worker.Incarnation));
        foreach (var id in runs)
            AddEvent(connection, id, "worker-returned",
                $"worker {worker.Id} is alive: its lease ran out while it could not reach the store or was paused, which is not counted as a death");
        transaction.Commit();
        return runs;
    }

    /// <summary>A write's worker in the database's own log of connections (<c>application_name</c>).</summary>
    public static string ApplicationName(string workerId) => $"recurrent/{workerId}";

    protected override RunRecord Read(DbDataReader r) => StoredRows.Run(r, Database.Dialect) with
    {
        Worker = r.IsDBNull(12) ? null : r.GetString(12),
        Attempts = r.GetInt32(13),
        SweepId = r.IsDBNull(14) ? null : r.GetInt64(14),
    };
}
