using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>One worker as the fleet sees it: its id, capacity, load and when it last renewed its presence.</summary>
internal sealed record WorkerRecord(string Id, int Concurrency, int Active, string Urls, DateTimeOffset StartedAt, DateTimeOffset SeenAt);

/// <summary>
/// The workers table of a fleet: each worker renews its row with every heartbeat, and a worker not seen for a lease
/// is not live (its runs are being, or have been, taken over).
/// </summary>
internal sealed class PgWorkerStore(PgDatabase database, WorkerIdentity worker)
{
    public void Beat(int active, string urls) => database.Execute(
        """
        INSERT INTO workers (id, concurrency, active, urls, started_at, seen_at) VALUES (@id, @concurrency, @active, @urls, @started, now())
        ON CONFLICT (id) DO UPDATE SET concurrency = EXCLUDED.concurrency, active = EXCLUDED.active, urls = EXCLUDED.urls,
            started_at = EXCLUDED.started_at, seen_at = now();
        """,
        ("@id", worker.Id), ("@concurrency", worker.Concurrency), ("@active", active), ("@urls", urls), ("@started", worker.StartedAt));

    /// <summary>The workers seen within a lease, by id.</summary>
    public IReadOnlyList<WorkerRecord> Live() => database.Query(
        "SELECT id, concurrency, active, urls, started_at, seen_at FROM workers WHERE seen_at > now() - @lease ORDER BY id;",
        r => new WorkerRecord(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3),
            database.Dialect.ReadTime(r, 4), database.Dialect.ReadTime(r, 5)),
        ("@lease", worker.Lease));

    /// <summary>At a graceful shutdown: the worker leaves the list at once rather than a lease later.</summary>
    public void Leave() => database.Execute("DELETE FROM workers WHERE id = @id;", ("@id", worker.Id));
}
