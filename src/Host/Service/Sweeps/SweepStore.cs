using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>A sweep as stored: its name and the request that made it.</summary>
internal sealed record SweepRecord(long Id, string Name, string Request, DateTimeOffset CreatedAt);

/// <summary>
/// Sweeps in the fleet's PostgreSQL store: a sweep and all its runs are queued in one transaction, so workers
/// never see half a sweep and a refused sweep leaves nothing behind.
/// </summary>
internal sealed class SweepStore(PgDatabase database, PgRunStore runs, TimeProvider clock)
{
    /// <summary>Queues the sweep's runs together; null (nothing stored) when the sweep's or a run's name is taken.</summary>
    public SweepRecord? Create(string name, string requestJson, IReadOnlyList<(string Name, string RequestJson)> members)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        long id;
        using (var command = PgDatabase.Command(connection,
            "INSERT INTO sweeps (name, request, created_at) VALUES (@name, @request, @now) ON CONFLICT (name) DO NOTHING RETURNING id;",
            ("name", name), ("request", requestJson), ("now", clock.GetUtcNow())))
        {
            if (command.ExecuteScalar() is not long inserted)
                return null;
            id = inserted;
        }
        foreach (var (runName, runJson) in members)
        {
            if (runs.Insert(connection, runName, runJson, id) is null)
                return null; // disposed without a commit: rolled back
        }
        transaction.Commit();
        return Get(id);
    }

    public SweepRecord? Get(long id)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, "SELECT id, name, request, created_at FROM sweeps WHERE id = @id;", ("id", id));
        using var r = command.ExecuteReader();
        return r.Read() ? new SweepRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), PgSql.Time(r, 3)) : null;
    }

    public IReadOnlyList<SweepRecord> List()
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, "SELECT id, name, request, created_at FROM sweeps ORDER BY id;");
        using var r = command.ExecuteReader();
        var sweeps = new List<SweepRecord>();
        while (r.Read())
            sweeps.Add(new SweepRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), PgSql.Time(r, 3)));
        return sweeps;
    }

    public IReadOnlyList<RunRecord> Runs(long sweepId) => runs.OfSweep(sweepId);

    /// <summary>
    /// Each run's gradient health from its stored steps, by run id (runs without steps are absent): the clip rate and
    /// non-finite count are the trainer's counts kept with its last step, the ratio its last defined one.
    /// </summary>
    public IReadOnlyDictionary<long, SweepGradientView> Health(long sweepId)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            """
            SELECT g.run_id, g.stored, l.clipped_steps::double precision / l.step, l.non_finite_steps, v.ratio
            FROM (SELECT s.run_id, COUNT(*) AS stored FROM gradient_steps s JOIN runs r ON r.id = s.run_id
                  WHERE r.sweep_id = @sweep GROUP BY s.run_id) g
            CROSS JOIN LATERAL (SELECT step, clipped_steps, non_finite_steps FROM gradient_steps
                                WHERE run_id = g.run_id ORDER BY step DESC LIMIT 1) l
            LEFT JOIN LATERAL (SELECT log10_vanishing_ratio AS ratio FROM gradient_steps
                               WHERE run_id = g.run_id AND log10_vanishing_ratio IS NOT NULL ORDER BY step DESC LIMIT 1) v ON true;
            """, ("sweep", sweepId));
        using var r = command.ExecuteReader();
        var health = new Dictionary<long, SweepGradientView>();
        while (r.Read())
            health[r.GetInt64(0)] = new SweepGradientView(StoredRows.DoubleOrNull(r, 4), r.GetDouble(2), r.GetInt64(3), r.GetInt64(1));
        return health;
    }
}
