using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Workers;

/// <summary>One worker as the fleet sees it: its id, capacity, load and when it last renewed its presence.</summary>
internal sealed record WorkerRecord(string Id, int Concurrency, int Active, string Urls, DateTimeOffset StartedAt, DateTimeOffset SeenAt);

/// <summary>
/// The workers table of a fleet: each worker renews its row with every heartbeat, and a worker not seen for a lease
/// is not live (its runs are being, or have been, taken over).
/// </summary>
internal sealed class WorkerRegistry(PgDatabase database, WorkerIdentity worker)
{
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    public void Beat(int active, string urls)
    {
        using var connection = database.Open();
        PgDatabase.Execute(connection,
            """
            INSERT INTO workers (id, concurrency, active, urls, started_at, seen_at) VALUES (@id, @concurrency, @active, @urls, @started, now())
            ON CONFLICT (id) DO UPDATE SET concurrency = EXCLUDED.concurrency, active = EXCLUDED.active, urls = EXCLUDED.urls,
                started_at = EXCLUDED.started_at, seen_at = now();
            """,
            ("id", worker.Id), ("concurrency", worker.Concurrency), ("active", active), ("urls", urls), ("started", _startedAt));
    }

    /// <summary>The workers seen within a lease, by id.</summary>
    public IReadOnlyList<WorkerRecord> Live()
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            "SELECT id, concurrency, active, urls, started_at, seen_at FROM workers WHERE seen_at > now() - @lease ORDER BY id;",
            ("lease", worker.Lease));
        using var r = command.ExecuteReader();
        var workers = new List<WorkerRecord>();
        while (r.Read())
            workers.Add(new WorkerRecord(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3), PgSql.Time(r, 4), PgSql.Time(r, 5)));
        return workers;
    }

    /// <summary>At a graceful shutdown: the worker leaves the list at once rather than a lease later.</summary>
    public void Leave()
    {
        using var connection = database.Open();
        PgDatabase.Execute(connection, "DELETE FROM workers WHERE id = @id;", ("id", worker.Id));
    }
}
